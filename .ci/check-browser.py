#!/usr/bin/env python3
"""Headless Chromium against a real `cobrand serve`, with JavaScript off and on: sign in to the portal, see
the kit list, follow a download link, claim MDF with a proof file, change the phone and an intro text,
preview the kit, publish it and find the change in the downloaded bundle; then the admin usage page, and the
demo landing page with its lead form. Fails on a JavaScript error, a failed resource load, or a missing
element.

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
            portal(driver, base, token, "portal" if javascript else "portal (JavaScript off)")
        email_images(driver, base, os.path.join(project, "Output", "kits"))

        # The admin usage page shows the downloads just made, with CSV and JSON links.
        driver.get(base + "/admin")
        driver.find_element(By.NAME, "token").send_keys(admin)
        submit(driver, "form[action='/admin/sign-in'] button")
        cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "tbody td")]
        check("acme-cloud" in cells and "bundle" in cells, f"admin: the usage table lists acme-cloud's bundle downloads ({cells[:9]})")
        check("rheinwerk" not in cells, "admin: no usage for a partner who did nothing")
        formats = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "main a[href^='/admin/usage?']")]
        check(formats == ["CSV", "JSON"], f"admin: CSV and JSON links ({formats})")
        console_errors(driver, "admin")

        # The demo landing page, straight from the kit folder as a partner would preview it.
        landing = os.path.join(project, "Output", "kits", "cloud-migration", "acme-cloud", "en-US", "landing", "index.html")
        driver.get("file://" + landing)
        check(driver.find_elements(By.CSS_SELECTOR, "form input[type=email]") != [], "landing: the lead form has an email field")
        check(driver.find_elements(By.CSS_SELECTOR, "form [type=submit]") != [], "landing: the lead form has a submit button")
        images = driver.find_elements(By.TAG_NAME, "img")
        broken = [img.get_attribute("src") for img in images
                  if not driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)]
        check(images and not broken, f"landing: {len(images)} images all load" + (f" (broken: {broken})" if broken else ""))
        console_errors(driver, "landing")

        # Submit the landing page's lead form to the server: a thank-you page, and the lead in the database.
        driver.find_element(By.NAME, "first_name").send_keys("Jane")
        driver.find_element(By.NAME, "last_name").send_keys("Doe")
        driver.find_element(By.NAME, "email").send_keys("Jane.Doe@Example-Corp.com")
        driver.find_element(By.NAME, "company").send_keys("Example Corp")
        driver.find_element(By.NAME, "consent").click()
        submit(driver, "form [type=submit]")
        check(driver.current_url.startswith(f"http://127.0.0.1:{port}/leads/thanks?partner=acme-cloud&locale=en-US"),
              f"landing: the form leads to the thank-you page ({driver.current_url})")
        check(driver.find_elements(By.TAG_NAME, "h1") != [] and "Acme Cloud Services" in driver.page_source,
              "landing: the thank-you page names the partner")
        console_errors(driver, "thank-you page")
        leads = json.loads(subprocess.run([cobrand, "leads", "list", "--format", "json", "--project", project],
                                          check=True, capture_output=True, text=True).stdout)
        check(len(leads) == 1 and leads[0]["email"] == "jane.doe@example-corp.com" and leads[0]["company_domain"] == "example-corp.com"
              and leads[0]["consent"]["given"] and len(leads[0]["consent"]["version"] or "") == 12,
              f"landing: the lead is stored with its consent version ({leads})")
    finally:
        if driver:
            driver.quit()
        if server:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    finish("check-browser")


if __name__ == "__main__":
    main()
