import Foundation

/// Company domains, as deal registration compares them: lower-case, without `www.` or a trailing dot, and
/// reduced to the registrable domain (`emea.acme.com` is `acme.com`, `shop.acme.co.uk` is `acme.co.uk`).
public enum Domains {
    /// The registrable domain of a host name or an email domain; nil for something that is no domain.
    public static func registrable(_ host: String) -> String? {
        var name = host.lowercased().trimmingCharacters(in: .whitespaces)
        while name.hasSuffix(".") { name.removeLast() }
        guard !multiLabelSuffixes.contains(name) else { return nil }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 2, labels.allSatisfy(isLabel), !labels.last!.allSatisfy(\.isNumber) else { return nil }
        let suffixLength = labels.count >= 3 && multiLabelSuffixes.contains(labels.suffix(2).joined(separator: ".")) ? 2 : 1
        guard labels.count > suffixLength else { return nil }
        return labels.suffix(suffixLength + 1).joined(separator: ".")
    }

    /// The registrable domain of a website address (`https://www.acme.com/about` is `acme.com`).
    public static func ofWebsite(_ address: String) -> String? {
        var text = address.trimmingCharacters(in: .whitespaces)
        if let scheme = text.range(of: "://") { text = String(text[scheme.upperBound...]) }
        let host = text.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" }
        return registrable(String(host))
    }

    /// Whether mail at this domain says nothing about the company (gmail.com, web.de, ...).
    public static func isFreeMail(_ domain: String) -> Bool {
        freeMail.contains(domain.lowercased())
    }

    static func isLabel(_ label: String) -> Bool {
        !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
            && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Public suffixes of two labels under which companies register (from the Public Suffix List's ICANN
    /// section, the ones seen in B2B leads). A suffix missing here only makes `a.b.example.xx` count as
    /// `b.example.xx` instead of `example.xx`-level; the list is easy to extend.
    static let multiLabelSuffixes: Set<String> = [
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk", "sch.uk", "nhs.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
        "co.nz", "org.nz", "net.nz", "govt.nz", "ac.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "gr.jp", "ed.jp", "ad.jp", "lg.jp",
        "co.kr", "or.kr", "ne.kr", "go.kr", "ac.kr",
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "com.hk", "org.hk", "net.hk", "com.tw", "org.tw", "com.sg", "org.sg",
        "edu.sg", "gov.sg", "com.my", "net.my", "org.my", "co.id", "or.id", "ac.id", "com.ph", "co.th", "or.th", "ac.th",
        "co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in", "ac.in", "gov.in", "com.pk", "com.vn",
        "com.br", "net.br", "org.br", "gov.br", "com.mx", "org.mx", "gob.mx", "com.ar", "org.ar", "gob.ar", "com.co", "org.co",
        "com.pe", "com.cl", "com.uy", "com.ve", "com.ec",
        "co.za", "org.za", "gov.za", "ac.za", "co.ke", "or.ke", "com.ng", "com.eg", "co.ma",
        "com.tr", "org.tr", "gov.tr", "co.il", "org.il", "ac.il", "com.sa", "gov.sa", "com.qa", "com.kw", "com.bh", "com.om",
        "co.ae", "net.ae", "org.ae", "gov.ae", "ac.ae",
        "com.pl", "net.pl", "org.pl", "co.at", "or.at", "com.es", "org.es", "com.pt", "com.gr", "com.cy", "com.mt", "co.hu",
        "com.ua", "org.ua", "com.ru", "org.ru", "co.no",
    ]

    /// Free and consumer mail providers.
    static let freeMail: Set<String> = [
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it", "yahoo.co.jp",
        "yahoo.com.br", "yahoo.com.mx", "ymail.com", "rocketmail.com", "outlook.com", "outlook.de", "outlook.fr", "hotmail.com",
        "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.es", "hotmail.it", "live.com", "live.co.uk", "live.fr", "live.de",
        "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "aim.com", "proton.me", "protonmail.com", "pm.me", "tutanota.com",
        "tuta.io", "zoho.com", "zohomail.com", "mail.com", "email.com", "gmx.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de",
        "t-online.de", "freenet.de", "posteo.de", "mailbox.org", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr",
        "libero.it", "virgilio.it", "tiscali.it", "alice.it", "seznam.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl",
        "yandex.ru", "yandex.com", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "qq.com", "163.com", "126.com",
        "sina.com", "sohu.com", "yeah.net", "naver.com", "daum.net", "hanmail.net", "docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp",
        "rediffmail.com", "uol.com.br", "bol.com.br", "terra.com.br", "prodigy.net.mx", "bigpond.com", "optusnet.com.au",
        "btinternet.com", "sky.com", "virginmedia.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net",
        "charter.net", "earthlink.net", "hey.com", "fastmail.com", "fastmail.fm", "hushmail.com", "inbox.com", "lycos.com",
    ]
}
