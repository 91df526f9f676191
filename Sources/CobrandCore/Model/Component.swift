import Foundation

/// One kind of content in a campaign.
public struct Component: Sendable, Equatable, Decodable {
    public enum Kind: String, Sendable, Equatable, Decodable, CaseIterable {
        case emailSequence = "email-sequence"
        case landingPage = "landing-page"
        case social, webinar, syndication, document
    }

    /// Email sequences and webinars send emails (`emails`); the email rules and the client check apply to them.
    public var sendsEmail: Bool { kind == .emailSequence || kind == .webinar }

    /// Slug, unique within the campaign; used as `utm_content` and in file names.
    public var id: String
    public var kind: Kind
    /// Template base name inside the campaign folder (landing page, webinar registration page).
    public var template: String?
    /// Steps of an email sequence, or a webinar's emails (days relative to the webinar date).
    public var emails: [EmailStep]
    /// First send day of an email sequence, `YYYY-MM-DD`; step `day` offsets count from it.
    public var startDate: String?
    /// Local send time `HH:MM` in the partner's time zone (default 09:00).
    public var sendTime: String?
    /// Webinar settings.
    public var webinar: WebinarSettings?
    /// Syndication: article ids, each `articles/<id>.md` in the campaign folder (`<id>.<locale>.md` per locale).
    public var articles: [String]
    /// Social posts.
    public var posts: [SocialPost]

    enum CodingKeys: String, CodingKey {
        case id, kind, template, emails, startDate = "start_date", sendTime = "send_time", webinar, articles, posts
    }

    public init(id: String, kind: Kind, template: String? = nil, emails: [EmailStep] = [], startDate: String? = nil,
                sendTime: String? = nil, webinar: WebinarSettings? = nil) {
        self.id = id
        self.kind = kind
        self.template = template
        self.emails = emails
        self.startDate = startDate
        self.sendTime = sendTime
        self.webinar = webinar
        articles = []
        posts = []
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        kind = try c.decode(Kind.self, forKey: .kind)
        template = try c.decodeIfPresent(String.self, forKey: .template)
        emails = try c.decodeIfPresent([EmailStep].self, forKey: .emails) ?? []
        startDate = try c.decodeIfPresent(String.self, forKey: .startDate)
        sendTime = try c.decodeIfPresent(String.self, forKey: .sendTime)
        webinar = try c.decodeIfPresent(WebinarSettings.self, forKey: .webinar)
        articles = try c.decodeIfPresent([String].self, forKey: .articles) ?? []
        posts = try c.decodeIfPresent([SocialPost].self, forKey: .posts) ?? []
    }
}

/// A social post, written once and published per network.
public struct SocialPost: Sendable, Equatable, Decodable {
    public var id: String
    /// Catalog key of the text (placeholders allowed).
    public var text: String
    /// Name of a campaign link, appended UTM-tagged.
    public var link: String?
    /// Path under `Assets/` of the image; copied into the kit's `assets/`.
    public var image: String?
    /// Catalog key of the image's alt text.
    public var imageAlt: String?
    public var networks: [SocialNetwork]
    /// Days after the component's `start_date` to post it, at its `send_time`, for the schedulers' files.
    public var day: Int

    enum CodingKeys: String, CodingKey { case id, text, link, image, imageAlt = "image_alt", networks, day }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        text = try c.decode(String.self, forKey: .text)
        link = try c.decodeIfPresent(String.self, forKey: .link)
        image = try c.decodeIfPresent(String.self, forKey: .image)
        imageAlt = try c.decodeIfPresent(String.self, forKey: .imageAlt)
        networks = try c.decodeIfPresent([SocialNetwork].self, forKey: .networks) ?? SocialNetwork.allCases
        day = try c.decodeIfPresent(Int.self, forKey: .day) ?? 0
    }
}

/// A webinar-in-a-box: the partner hosts it at a local date and time in their own time zone.
///
/// A partner can override `date`, `time` and `join_url` through slot fields of the same names
/// (`webinar_date`, `webinar_time`, `join_url`) when the campaign declares them.
public struct WebinarSettings: Sendable, Equatable, Decodable {
    /// Catalog keys.
    public var title: String
    public var description: String
    /// `YYYY-MM-DD`, local to the partner.
    public var date: String
    /// `HH:MM`, local to the partner.
    public var time: String
    public var durationMinutes: Int
    public var joinURL: String
    /// RFC 5545 SEQUENCE: bump it when the event is rescheduled so calendars update.
    public var sequence: Int
    public var slides: [Slide]
    public var runOfShow: [RunOfShowItem]

    public struct Slide: Sendable, Equatable, Decodable {
        /// Catalog keys.
        public var title: String
        public var points: [String]
        public var notes: String?

        enum CodingKeys: String, CodingKey { case title, points, notes }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try c.decode(String.self, forKey: .title)
            points = try c.decodeIfPresent([String].self, forKey: .points) ?? []
            notes = try c.decodeIfPresent(String.self, forKey: .notes)
        }
    }

    public struct RunOfShowItem: Sendable, Equatable, Decodable {
        /// Minutes relative to the start (negative: before).
        public var at: Int
        /// Catalog key.
        public var task: String
    }

    enum CodingKeys: String, CodingKey {
        case title, description, date, time, durationMinutes = "duration_minutes", joinURL = "join_url", sequence, slides
        case runOfShow = "run_of_show"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decode(String.self, forKey: .title)
        description = try c.decode(String.self, forKey: .description)
        date = try c.decode(String.self, forKey: .date)
        time = try c.decode(String.self, forKey: .time)
        durationMinutes = try c.decodeIfPresent(Int.self, forKey: .durationMinutes) ?? 60
        joinURL = try c.decode(String.self, forKey: .joinURL)
        sequence = try c.decodeIfPresent(Int.self, forKey: .sequence) ?? 0
        slides = try c.decodeIfPresent([Slide].self, forKey: .slides) ?? []
        runOfShow = try c.decodeIfPresent([RunOfShowItem].self, forKey: .runOfShow) ?? []
    }

    /// Every catalog key the settings use.
    public var messageKeys: [String] {
        [title, description] + slides.flatMap { [$0.title] + $0.points + [$0.notes].compactMap { $0 } } + runOfShow.map(\.task)
    }
}

/// One email of a sequence: sent `day` days after the sequence starts.
public struct EmailStep: Sendable, Equatable, Decodable {
    public var id: String
    public var day: Int
    /// Template base name: `<campaign>/<template>.html` and `.txt`.
    public var template: String
    /// Catalog key of the subject line.
    public var subject: String
    /// Catalog key of the preheader (inbox preview text).
    public var preheader: String?
    /// Catalog key of the main text, as `{{email.body}}`, so several steps can share one template.
    public var body: String?
    /// A webinar email that carries the event's `.ics` as an attachment of its `.eml` (`attach_calendar: true`).
    public var attachCalendar: Bool

    enum CodingKeys: String, CodingKey { case id, day, template, subject, preheader, body, attachCalendar = "attach_calendar" }

    public init(id: String, day: Int, template: String, subject: String, preheader: String? = nil, body: String? = nil,
                attachCalendar: Bool = false) {
        self.id = id
        self.day = day
        self.template = template
        self.subject = subject
        self.preheader = preheader
        self.body = body
        self.attachCalendar = attachCalendar
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        day = try c.decode(Int.self, forKey: .day)
        template = try c.decode(String.self, forKey: .template)
        subject = try c.decode(String.self, forKey: .subject)
        preheader = try c.decodeIfPresent(String.self, forKey: .preheader)
        body = try c.decodeIfPresent(String.self, forKey: .body)
        attachCalendar = try c.decodeIfPresent(Bool.self, forKey: .attachCalendar) ?? false
    }
}
