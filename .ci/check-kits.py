#!/usr/bin/env python3
"""Check a built Output/ folder with independent parsers: Python's email package for every .eml,
csv for every .csv, icalendar for every .ics, feedparser for every Atom feed, html5lib for every HTML file.

    python3 .ci/check-kits.py Output
"""
import csv, email, email.policy, glob, json, os, re, sys, zipfile, hashlib
import icalendar
import html as html_lib
from html.parser import HTMLParser

root = sys.argv[1] if len(sys.argv) > 1 else "Output"
failures = []
counts = {}


def fail(path, message):
    failures.append(f"{path}: {message}")


def count(kind):
    counts[kind] = counts.get(kind, 0) + 1


index = json.load(open(os.path.join(root, "index.json")))
for kit in index["kits"]:
    count("kits")
    folder = os.path.join(root, kit["dir"])
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    for entry in manifest["files"]:
        data = open(os.path.join(folder, entry["path"]), "rb").read()
        if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["size"]:
            fail(entry["path"], "size or sha256 differs from manifest.json")
    bundle = open(os.path.join(root, kit["bundle"]), "rb").read()
    if hashlib.sha256(bundle).hexdigest() != kit["sha256"]:
        fail(kit["bundle"], "sha256 differs from index.json")
    with zipfile.ZipFile(os.path.join(root, kit["bundle"])) as z:
        bad = z.testzip()
        if bad:
            fail(kit["bundle"], f"corrupt entry {bad}")
        if len(z.namelist()) != kit["files"]:
            fail(kit["bundle"], f"{len(z.namelist())} entries, index.json says {kit['files']}")

def is_email(path):
    """An email's HTML has its .eml beside it."""
    return os.path.exists(path[:-5] + ".eml")


class ImageSources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs))


def check_email_images(path, html, cids=()):
    """Every image of an email loads in an inbox: an https URL of a file in <out>/a/ named by its
    sha256, PNG or JPEG, with width and height; or a cid: of a part of the message."""
    parser = ImageSources()
    parser.feed(html)
    for image in parser.sources:
        count("email images")
        src = image.get("src", "")
        if src.startswith("cid:"):
            if src[4:] not in cids:
                fail(path, f"image {src} has no MIME part")
            continue
        match = re.fullmatch(r"https://[^/]+(?:/[^?#]*)?/a/([0-9a-f]{64})\.(png|jpg)", src)
        if not match:
            fail(path, f"image {src} is not an https URL of a content-addressed PNG or JPEG")
            continue
        served = os.path.join(root, "a", f"{match[1]}.{match[2]}")
        if not os.path.exists(served):
            fail(path, f"image {src}: {served} does not exist")
            continue
        data = open(served, "rb").read()
        magic = b"\x89PNG\r\n\x1a\n" if match[2] == "png" else b"\xff\xd8\xff"
        if hashlib.sha256(data).hexdigest() != match[1] or not data.startswith(magic):
            fail(path, f"image {src}: its file is not the {match[2].upper()} its name says")
        if not image.get("width", "").isdigit() or not image.get("height", "").isdigit():
            fail(path, f"image {src} lacks a numeric width and height")


for path in glob.glob(os.path.join(root, "kits", "**", "*.eml"), recursive=True):
    check_email_images(path[:-4] + ".html", open(path[:-4] + ".html", encoding="utf-8").read())
    count("eml")
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.strict)
    defects = list(msg.defects) + [d for part in msg.walk() for d in part.defects]
    if defects:
        fail(path, f"MIME defects {defects}")
    body = msg
    if msg.get_content_type() == "multipart/mixed":
        # text and HTML first, then attachments: a webinar's .ics, which must parse
        body, *attachments = list(msg.iter_parts())
        for part in attachments:
            if part.get_content_type() != "text/calendar" or part.get_content_disposition() != "attachment":
                fail(path, f"unexpected attachment {part.get_content_type()}")
                continue
            count("ics attachments")
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            if len(cal.walk("VEVENT")) != 1 or part.get_param("method") != "PUBLISH":
                fail(path, "the attached calendar is not one published VEVENT")
    if body.get_content_type() != "multipart/alternative":
        fail(path, f"content type {body.get_content_type()}")
    if [p.get_content_type() for p in body.iter_parts()] != ["text/plain", "text/html"]:
        fail(path, "parts are not text/plain + text/html")
    for header in ["From", "Subject", "Date", "Message-ID", "List-Unsubscribe"]:
        if not msg[header]:
            fail(path, f"missing {header}")
    # The .eml is sent from a mail client, which merges no address: its unsubscribe page asks for one, so
    # RFC 8058 one-click (which needs the recipient in the URL) is left out. ESP files carry the merge tag.
    unsubscribe = str(msg["List-Unsubscribe"] or "")
    page = re.search(r"<(https?://[^>]+/unsubscribe/[a-z0-9-]+/[a-z0-9-]+/[A-Za-z0-9_-]{22}\?hl=[A-Za-z-]+)>", unsubscribe)
    if not page or "<mailto:" not in unsubscribe:
        fail(path, f"List-Unsubscribe lacks the signed unsubscribe page and a mailto: {unsubscribe}")
    if msg["List-Unsubscribe-Post"] is not None:
        fail(path, "List-Unsubscribe-Post is set although the URL does not identify the recipient")
    esp = open(path[:-4] + ".html", encoding="utf-8").read()
    if page and html_lib.escape(page[1] + "&email=*|EMAIL|*") not in esp:
        fail(path[:-4] + ".html", "the ESP file's unsubscribe link lacks the address merge tag")
    html = msg.get_body(("html",)).get_content()
    if page and html_lib.escape(page[1]) not in html:
        fail(path, "the footer does not link the unsubscribe page")
    if len(html.encode()) > 102 * 1024:
        fail(path, "HTML part over 102 KB")
    cids = [str(part["Content-ID"] or "").strip("<>") for part in msg.walk()]
    check_email_images(path, html, cids)

# The demo's webinar sequence: the invitation leads to the hosted registration page, the reminder carries
# the .ics (attached and linked) and the join link, the follow-up links the recording and not the live room.
for folder in glob.glob(os.path.join(root, "kits", "data-summit", "*", "*", "webinar")):
    count("webinar sequences")
    partner, locale = folder.split(os.sep)[-3:-1]
    read = lambda name: open(os.path.join(folder, name), encoding="utf-8").read()
    hosted = f"/p/data-summit/{partner}/{locale}/webinar/"
    if f'{hosted}?' not in read("invite.html"):
        fail(folder, "the invitation does not link the registration page")
    reminder = email.message_from_bytes(open(os.path.join(folder, "reminder.eml"), "rb").read(), policy=email.policy.default)
    if [p.get_filename() for p in reminder.iter_attachments()] != ["event.ics"] or f"{hosted}event.ics?" not in read("reminder.html"):
        fail(folder, "the reminder neither attaches nor links the .ics")
    follow_up = read("follow-up.html")
    if "/events/data-summit/recording?" not in follow_up or "/live/data-summit" in follow_up:
        fail(folder, "the follow-up does not link the recording, or links the live room")

for path in glob.glob(os.path.join(root, "kits", "**", "*.csv"), recursive=True):
    count("csv")
    rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
    headerless = os.path.basename(path).startswith("hootsuite-")  # Hootsuite's bulk composer takes no header row
    if len(rows) < (1 if headerless else 2) or any(len(r) != len(rows[0]) for r in rows):
        fail(path, "ragged or empty CSV")

# Share images: a PNG at the network's size, also served content-addressed; never SVG.
SIZES = {"linkedin": (1200, 627), "x": (1600, 900), "facebook": (1200, 630)}
for path in glob.glob(os.path.join(root, "kits", "**", "posts.csv"), recursive=True):
    kit = os.path.dirname(os.path.dirname(path))
    for row in list(csv.DictReader(open(path, newline="", encoding="utf-8"))):
        if not row["image"]:
            continue
        count("share images")
        data = open(os.path.join(kit, row["image"]), "rb").read()
        if data[:8] != b"\x89PNG\r\n\x1a\n" or tuple(int.from_bytes(data[i:i + 4], "big") for i in (16, 20)) != SIZES[row["network"]]:
            fail(path, f"{row['image']} is not a PNG of {SIZES[row['network']]}")
        served = os.path.join(root, "a", row["image_url"].rsplit("/", 1)[-1])
        if not os.path.exists(served) or open(served, "rb").read() != data:
            fail(path, f"{row['image_url']} is not served from Output/a/")

for path in glob.glob(os.path.join(root, "kits", "**", "*.ics"), recursive=True):
    count("ics")
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())
    events = cal.walk("VEVENT")
    if not events or not cal.walk("VTIMEZONE"):
        fail(path, "no VEVENT or no VTIMEZONE")

feed_entry_ids = {}
try:
    import feedparser
    for path in glob.glob(os.path.join(root, "kits", "**", "*.atom"), recursive=True) + \
            glob.glob(os.path.join(root, "kits", "**", "feed.xml"), recursive=True):
        count("feeds")
        feed = feedparser.parse(open(path, "rb").read())
        if feed.bozo:
            fail(path, f"feedparser: {feed.bozo_exception}")
        # rel="self" is this kit's own /feeds/<campaign>/<partner>/<locale>/<component>.xml
        campaign, partner, locale, component = os.path.relpath(path, os.path.join(root, "kits")).split(os.sep)[:4]
        selfs = [l.href for l in feed.feed.get("links", []) if l.rel == "self"]
        if len(selfs) != 1 or not selfs[0].endswith(f"/feeds/{campaign}/{partner}/{locale}/{component}.xml"):
            fail(path, f"rel=self is {selfs}")
        for entry in feed.entries:
            if entry.id in feed_entry_ids:
                fail(path, f"entry id {entry.id} also in {feed_entry_ids[entry.id]}")
            feed_entry_ids[entry.id] = path
except ImportError:
    fail("feedparser", "not installed")

try:
    import html5lib
    for path in glob.glob(os.path.join(root, "kits", "**", "*.html"), recursive=True):
        count("html")
        parser = html5lib.HTMLParser(strict=False)
        if os.path.basename(path) == "snippet.html":
            parser.parseFragment(open(path, "rb").read().decode("utf-8"))  # a fragment to paste into a page
        else:
            parser.parse(open(path, "rb").read())
        errors = [e for e in parser.errors if e[1] not in ("unexpected-end-tag-before-html",)]
        page = open(path, encoding="utf-8").read()
        if 'name="consent"' in page and not re.search(r'<p class="privacy"><a href="https://[^"]+">', page):
            fail(path, "the consent box does not link the partner's privacy notice")
        if not is_email(path) and os.path.basename(path) != "index.html" and "this email because" in open(path, encoding="utf-8").read():
            fail(path, "a web page uses the email footer's wording")
        if errors:
            fail(path, f"html5lib: {errors[:3]}")
except ImportError:
    fail("html5lib", "not installed")

summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
print("\n".join(failures))
print(f"checked {summary}")
checked = sum(counts.values())
print(f"check-kits: {checked - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
