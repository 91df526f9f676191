#!/usr/bin/env python3
"""Headless Chromium against a real `cobrand serve`, with JavaScript off and on: sign in to the portal, see
the kit list, follow a download link, claim MDF with a proof file, change the phone and an intro text,
preview the kit, publish it and find the change in the downloaded bundle; submit the demo landing page's lead
form, find the lead in the portal, register a deal from it, approve it as admin and see it approved with its
expiry; unsubscribe through an email's footer link and by one-click; then the admin usage page. Fails on a
JavaScript error, a failed resource load, or a missing element.

    python3 .ci/check-browser.py path/to/cobrand

Needs Debian's chromium and chromium-driver, and PyPI's selenium (.ci/run installs them).
"""
import email
import email.policy
import glob
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import date
from io import BytesIO

from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import browser, check, demo_project, finish, free_port, serve, stop


TODAY = date.today()
QUARTER_START = date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)
QUARTER = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"


def submit(driver, selector):
    """Clicks a form's button and waits until the next page has replaced this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()

    def replaced(_):
        try:
            page.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException:
            return False  # asked mid-navigation (e.g. no execution context yet): ask again

    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def console_errors(driver, page):
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    check(not errors, f"{page}: no JavaScript errors or failed loads" + (f" (got {errors})" if errors else ""))


def email_images(driver, base, kits):
    """Every image of every email (ESP HTML and .eml) is answered by the running server as PNG or JPEG,
    immutable; and the kit preview, opened from disk with the server's images out of reach, still shows them."""
    sources = set()
    for path in glob.glob(os.path.join(kits, "**", "*.eml"), recursive=True):
        message = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
        for html in (message.get_body(("html",)).get_content(), open(path[:-4] + ".html", encoding="utf-8").read()):
            sources.update(re.findall(r'<img src="([^"]+)"', html))
    check(sources, f"email images: the emails have images ({len(sources)})")
    for src in sorted(sources):
        if "/t/o/" in src:
            continue  # the open pixel, checked by the tracking tests
        try:
            with urllib.request.urlopen(src, timeout=5) as answer:
                kind, cache = answer.headers["Content-Type"], answer.headers["Cache-Control"]
                ok = answer.status == 200 and kind in ("image/png", "image/jpeg") and "immutable" in cache
        except OSError as error:
            ok, kind, cache = False, str(error), ""
        check(ok and src.startswith(base + "/a/"), f"email images: {src} answers 200 image/png|jpeg, immutable ({kind}, {cache})")
    for escape in ("/a/..%2Fcobrand.db", "/a/" + "0" * 64 + ".svg", "/a/" + "G" * 64 + ".png"):
        try:
            urllib.request.urlopen(base + escape, timeout=5)
            check(False, f"email images: {escape} is refused")
        except urllib.error.HTTPError as error:
            check(error.code == 404, f"email images: {escape} is refused with 404 ({error.code})")
    preview = os.path.join(kits, "cloud-migration", "acme-cloud", "en-US", "index.html")
    driver.get("file://" + preview)
    frames = driver.find_elements(By.CSS_SELECTOR, "iframe[srcdoc]")
    loaded = []
    for frame in frames:
        driver.execute_script("arguments[0].scrollIntoView()", frame)
        driver.switch_to.frame(frame)
        WebDriverWait(driver, 10).until(lambda d: d.execute_script(
            "return Array.from(document.images).every(i => i.complete)"))
        loaded += driver.execute_script(
            "return Array.from(document.images).filter(i => !i.src.includes('/t/o/')).map(i => [i.getAttribute('src'), i.naturalWidth > 0])")
        driver.switch_to.default_content()
    broken = [src for src, ok in loaded if not ok]
    check(frames and loaded and not broken, f"preview: {len(loaded)} email images in {len(frames)} emails load from the kit"
          + (f" (broken: {broken})" if broken else ""))


def sign_in(driver, base, area, token):
    """Signs in to the portal or the admin console with a token."""
    driver.get(f"{base}/{area}")
    driver.find_element(By.NAME, "token").send_keys(token)
    submit(driver, f"form[action='/{area}/sign-in'] button")


def landing_lead(driver, base, project, tag, page):
    """The demo landing page, straight from the kit folder as a partner would preview it: its images load, and
    its lead form reaches the server and answers with the thank-you page."""
    landing = os.path.join(project, "Output", "kits", "cloud-migration", "acme-cloud", "en-US", "landing", "index.html")
    driver.get("file://" + landing)
    check(driver.find_elements(By.CSS_SELECTOR, "form input[type=email]") != [], f"{page} landing: the lead form has an email field")
    images = driver.find_elements(By.TAG_NAME, "img")
    broken = [img.get_attribute("src") for img in images
              if not driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)]
    check(images and not broken, f"{page} landing: {len(images)} images all load" + (f" (broken: {broken})" if broken else ""))
    console_errors(driver, f"{page} landing")
    driver.find_element(By.NAME, "first_name").send_keys("Jane")
    driver.find_element(By.NAME, "last_name").send_keys("Doe")
    driver.find_element(By.NAME, "email").send_keys(f"Jane.Doe@Example-{tag}.com")
    driver.find_element(By.NAME, "company").send_keys(f"Example {tag}")
    driver.find_element(By.NAME, "consent").click()
    submit(driver, "form [type=submit]")
    check(driver.current_url.startswith(f"{base}/leads/thanks?partner=acme-cloud&locale=en-US"),
          f"{page} landing: the form leads to the thank-you page ({driver.current_url})")
    check(driver.find_elements(By.TAG_NAME, "h1") != [] and "Acme Cloud Services" in driver.page_source,
          f"{page} landing: the thank-you page names the partner")
    console_errors(driver, f"{page} thank-you page")


def deal_from_lead(driver, base, token, admin, tag, page):
    """As the partner: the lead is listed, a deal is registered from it and is pending. As admin: approve it.
    As the partner again: approved, with its expiry."""
    sign_in(driver, base, "portal", token)
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/portal/leads']").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
    rows = [tr for tr in driver.find_elements(By.CSS_SELECTOR, "tbody tr") if f"jane.doe@example-{tag}.com" in tr.text]
    check(len(rows) == 1 and "Example " + tag in rows[0].text and "yes" in rows[0].text, f"{page} leads: the landing page's lead is listed with consent")
    console_errors(driver, f"{page} leads")
    if not rows:
        return
    rows[0].find_element(By.CSS_SELECTOR, "a.register").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "form[action='/portal/deals']"))
    domain = driver.find_element(By.NAME, "account_domain").get_attribute("value")
    check(domain == f"example-{tag}.com", f"{page} deals: the form starts from the lead's company ({domain})")
    driver.find_element(By.NAME, "value").send_keys("30000.00")
    Select(driver.find_element(By.NAME, "currency")).select_by_value("USD")
    driver.find_element(By.NAME, "products").send_keys("Analytics, Storage")
    driver.find_element(By.NAME, "expected_close").send_keys(date(TODAY.year + 1, 3, 31).strftime("%m%d%Y"))
    submit(driver, "form[action='/portal/deals'] button[type=submit]")
    match = re.search(r"registered=(\d+)", driver.current_url)
    check(match is not None, f"{page} deals: the registration is stored ({driver.current_url})")
    if not match:
        return
    deal = match[1]
    row = driver.find_element(By.ID, f"deal-{deal}").text
    check("Pending review" in row and "no tracked lead" in row, f"{page} deals: the new deal is pending, with the rule explained ({row!r})")
    console_errors(driver, f"{page} deals")
    submit(driver, "form[action='/portal/sign-out'] button")

    sign_in(driver, base, "admin", admin)
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/admin/deals']").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.ID, f"deal-{deal}"))
    driver.find_element(By.CSS_SELECTOR, f"form[action='/admin/deals/{deal}/approve'] input[name=note]").send_keys(f"checked ({tag})")
    submit(driver, f"form[action='/admin/deals/{deal}/approve'] button")
    status = driver.find_elements(By.CSS_SELECTOR, "[role=status]")
    check(status != [] and "approved" in status[0].text, f"{page} admin: the deal is approved ({[s.text for s in status]})")
    console_errors(driver, f"{page} admin deals")
    submit(driver, "form[action='/admin/sign-out'] button")

    sign_in(driver, base, "portal", token)
    driver.get(base + "/portal/deals")
    row = driver.find_element(By.ID, f"deal-{deal}").text
    check("Approved by the channel team" in row and "Days left: 90" in row and f"checked ({tag})" in row,
          f"{page} deals: the partner sees it approved, with its expiry and the note ({row!r})")
    console_errors(driver, f"{page} deals after approval")
    submit(driver, "form[action='/portal/sign-out'] button")


def unsubscribe(driver, base, project, tag, page):
    """The footer link of a ready-to-send .eml asks for the address and confirms; the ESP file's link, merged
    with an address as the ESP would, takes the RFC 8058 one-click POST."""
    path = os.path.join(project, "Output", "kits", "cloud-migration", "acme-cloud", "en-US", "nurture", "invite")
    message = email.message_from_bytes(open(path + ".eml", "rb").read(), policy=email.policy.default)
    links = re.findall(r'href="([^"]*/unsubscribe/[^"]*)"', message.get_body(("html",)).get_content())
    check(len(links) == 1 and "email=" not in links[0], f"{page} unsubscribe: the .eml footer links the page without an address ({links})")
    if not links:
        return
    driver.get(links[0].replace("&amp;", "&"))
    driver.find_element(By.NAME, "email").send_keys(f"reader.{tag}@example.org")
    submit(driver, "form button[type=submit]")
    done = driver.find_elements(By.CSS_SELECTOR, "[role=status]")
    check(done != [] and f"reader.{tag}@example.org" in driver.page_source, f"{page} unsubscribe: the page confirms")
    console_errors(driver, f"{page} unsubscribe")
    esp = re.findall(r'href="([^"]*/unsubscribe/[^"]*)"', open(path + ".html", encoding="utf-8").read())
    merged = esp[0].replace("&amp;", "&").replace("*|EMAIL|*", urllib.parse.quote(f"oneclick.{tag}@example.org")) if esp else base
    answer = urllib.request.urlopen(urllib.request.Request(merged, data=b"List-Unsubscribe=One-Click", method="POST",
                                                           headers={"Content-Type": "application/x-www-form-urlencoded"}))
    check(answer.status == 200 and "*|EMAIL|*" in (esp[0] if esp else ""), f"{page} unsubscribe: the ESP link's one-click POST is answered 200")


def portal(driver, base, token, page):
    """Sign in with a wrong token, then the right one; list kits, download one, sign out."""
    driver.get(base + "/portal")
    check(driver.find_elements(By.CSS_SELECTOR, "form[action='/portal/sign-in'] input[name=token]") != [],
          f"{page}: sign-in form with a token field")
    driver.find_element(By.NAME, "token").send_keys("not-a-token")
    submit(driver, "form[action='/portal/sign-in'] button")
    check(driver.find_elements(By.CSS_SELECTOR, "[role=alert]") != [], f"{page}: a wrong token shows an error")
    driver.get_log("browser")  # the 401 above is expected; only what follows must be clean

    driver.find_element(By.NAME, "token").send_keys(token)
    submit(driver, "form[action='/portal/sign-in'] button")
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a.download")]
    check(len(links) >= 2, f"{page}: the kit list shows download links ({len(links)})")
    check(all("/portal/bundles/" in link for link in links), f"{page}: every link is a portal bundle link")
    check(driver.title.endswith("| Acme Cloud Services"), f"{page}: the title names the signed-in partner ({driver.title!r})")
    check(driver.find_elements(By.CSS_SELECTOR, "form[action='/portal/sign-out'] button") != [], f"{page}: a sign-out button")
    console_errors(driver, page)

    # Download with the browser's own session cookie: a zip of acme-cloud's kit.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    check("cobrand_session=" in cookie, f"{page}: the session cookie is set")
    secure = [c for c in driver.get_cookies() if c["name"] == "cobrand_session"]
    check(bool(secure) and secure[0].get("httpOnly") and secure[0].get("secure"), f"{page}: the cookie is HttpOnly and Secure")
    response = opener.open(urllib.request.Request(links[0], headers={"Cookie": cookie}))
    body = response.read()
    names = zipfile.ZipFile(BytesIO(body)).namelist() if body[:2] == b"PK" else []
    check(any(name.endswith("/manifest.json") and "acme-cloud" in name for name in names),
          f"{page}: the download link returns acme-cloud's bundle zip ({len(body)} bytes)")

    mdf_claim(driver, page)
    customise_and_publish(driver, page, cookie)

    submit(driver, "form[action='/portal/sign-out'] button")
    check(driver.find_elements(By.NAME, "token") != [], f"{page}: signing out returns to the sign-in form")


def customise_and_publish(driver, page, cookie):
    """Change the phone and the intro text, preview the kit, publish, and find both in the downloaded bundle."""
    phone = "+1 212 555 0%03d" % (len(page) % 1000)
    intro = f"Intro from the {page} test <b>not bold</b>"
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/portal/customise']").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "form[action='/portal/customise']"))
    field = driver.find_element(By.NAME, "profile.phone")
    field.clear()
    field.send_keys(phone)
    text = driver.find_element(By.NAME, "slot.cloud-migration.intro.en-US")
    text.clear()
    text.send_keys(intro)
    console_errors(driver, page + " customise")
    submit(driver, "form[action='/portal/customise'] button[type=submit]")
    saved = driver.find_elements(By.CSS_SELECTOR, "[role=status]")
    check(saved != [] and "/portal/preview?saved=2" in driver.current_url, f"{page}: saving leads to the preview ({driver.current_url})")

    preview = driver.find_element(By.CSS_SELECTOR, "a.preview[href*='/cloud-migration/en-US/']").get_attribute("href")
    driver.get(preview)
    frames = driver.find_elements(By.TAG_NAME, "iframe")
    check(len(frames) >= 2, f"{page}: the kit preview shows its pages ({len(frames)} frames)")
    console_errors(driver, page + " kit preview")
    driver.get(preview.replace("/index.html", "/landing/index.html"))
    body = driver.find_element(By.TAG_NAME, "body").text
    check(phone in body and intro in body, f"{page}: the previewed landing page shows the new phone and intro as text")

    driver.get(driver.current_url.split("/portal/")[0] + "/portal/preview")
    submit(driver, "form[action='/portal/publish'] button")
    published = driver.find_elements(By.CSS_SELECTOR, "[role=status]")
    check(published != [] and "published=" in driver.current_url, f"{page}: publishing returns to the kit list with a notice ({driver.current_url})")
    console_errors(driver, page + " publish")
    link = driver.find_element(By.CSS_SELECTOR, "a.download[href$='/cloud-migration/en-US']").get_attribute("href")
    body = urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookie})).read()
    files = zipfile.ZipFile(BytesIO(body))
    landing = next(name for name in files.namelist() if name.endswith("/landing/index.html"))
    html = files.read(landing).decode()
    check(phone in html and "Intro from the " + page + " test &lt;b&gt;not bold&lt;/b&gt;" in html,
          f"{page}: the published bundle has the new phone and the intro, escaped")


def mdf_claim(driver, page):
    """From the kit list to the MDF page: the balance, then a claim with a proof file through the form."""
    driver.find_element(By.CSS_SELECTOR, "nav a[href='/portal/mdf']").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.balances, form[action='/portal/mdf/claims']"))
    rows = [tr.text for tr in driver.find_elements(By.CSS_SELECTOR, "table.balances tbody tr")]
    check(any(QUARTER in row and "$5,000.00" in row for row in rows), f"{page}: the MDF page shows this quarter's allocation ({rows})")
    before = len(driver.find_elements(By.CSS_SELECTOR, "table.claims tbody tr"))
    Select(driver.find_element(By.NAME, "campaign")).select_by_value("cloud-migration")
    Select(driver.find_element(By.NAME, "activity")).select_by_value("email")
    for name, day in (("activity_start", QUARTER_START), ("activity_end", TODAY)):
        driver.find_element(By.NAME, name).send_keys(day.strftime("%m%d%Y"))  # Chromium's en-US date field: mm/dd/yyyy
    driver.find_element(By.NAME, "amount").send_keys("1250.00")
    driver.find_element(By.NAME, "invoice").send_keys(f"INV-{page}")
    driver.find_element(By.NAME, "results.emails_sent").send_keys("4000")
    proof = os.path.join(tempfile.mkdtemp(prefix="cobrand-proof-"), "invoice <1>.pdf")
    with open(proof, "wb") as file:
        file.write(b"%PDF-1.4 proof of " + page.encode())
    driver.find_element(By.NAME, "proofs").send_keys(proof)
    submit(driver, "form[action='/portal/mdf/claims'] button[type=submit]")
    notice = driver.find_elements(By.CSS_SELECTOR, "[role=status]")
    check(notice != [] and "#" in notice[0].text and "/portal/mdf?submitted=" in driver.current_url,
          f"{page}: the claim is received and the page says so ({driver.current_url})")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.claims tbody tr")
    newest = rows[0].text if rows else ""
    check(len(rows) == before + 1 and f"INV-{page}" in newest and "$1,250.00" in newest and "invoice <1>.pdf" in newest,
          f"{page}: the claim is listed with its amount and proof ({newest!r})")
    check(rows != [] and rows[0].find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "submitted",
          f"{page}: the new claim's status is submitted")
    console_errors(driver, page + " MDF")


def main():
    cobrand = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="cobrand-browser-")
    server = None
    driver = None
    try:
        port = free_port()
        # Lead forms post to <portal_url>/api/leads: point them at this server.
        project = demo_project(work, f"http://127.0.0.1:{port}")
        subprocess.run([cobrand, "build", "--project", project, "--partner", "acme-cloud", "--partner", "rheinwerk"],
                       check=True, stdout=subprocess.DEVNULL)
        token = subprocess.run([cobrand, "partners", "token", "acme-cloud", "--project", project],
                               check=True, capture_output=True, text=True).stdout.strip()
        admin = subprocess.run([cobrand, "admin", "token", "--project", project],
                               check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run([cobrand, "mdf", "allocate", "--project", project, "--partner", "acme-cloud", "--period", QUARTER,
                        "--amount", "5000", "--currency", "USD"], check=True, stdout=subprocess.DEVNULL)
        server = serve(cobrand, project, port, work)
        base = f"http://127.0.0.1:{port}"

        for javascript in (False, True):
            if driver:
                driver.quit()
            driver = browser(javascript)
            page, tag = ("portal", "js") if javascript else ("portal (JavaScript off)", "nojs")
            portal(driver, base, token, page)
            landing_lead(driver, base, project, tag, page)
            deal_from_lead(driver, base, token, admin, tag, page)
            unsubscribe(driver, base, project, tag, page)
        email_images(driver, base, os.path.join(project, "Output", "kits"))
        listed = subprocess.run([cobrand, "suppression", "list", "--project", project], check=True, capture_output=True, text=True).stdout
        check(all(f"{kind}.{tag}@example.org" in listed for kind in ("reader", "oneclick") for tag in ("js", "nojs")),
              f"suppression: cobrand suppression list shows all four addresses ({listed!r})")

        # The admin usage page shows the downloads just made, with CSV and JSON links.
        sign_in(driver, base, "admin", admin)
        driver.get(base + "/admin/usage?format=html")
        cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "tbody td")]
        check("acme-cloud" in cells and "bundle" in cells, f"admin: the usage table lists acme-cloud's bundle downloads ({cells[:9]})")
        check("rheinwerk" not in cells, "admin: no usage for a partner who did nothing")
        formats = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main a[href^='/admin/usage?']")]
        check(formats == ["CSV", "JSON"], f"admin: CSV and JSON links ({formats})")
        console_errors(driver, "admin")

        leads = json.loads(subprocess.run([cobrand, "leads", "list", "--format", "json", "--project", project],
                                          check=True, capture_output=True, text=True).stdout)
        check(sorted(lead["email"] for lead in leads) == ["jane.doe@example-js.com", "jane.doe@example-nojs.com"]
              and all(lead["consent"]["given"] and len(lead["consent"]["version"] or "") == 12 for lead in leads),
              f"landing: the leads are stored with their consent version ({leads})")
    finally:
        if driver:
            driver.quit()
        if server:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    finish("check-browser")


if __name__ == "__main__":
    main()
