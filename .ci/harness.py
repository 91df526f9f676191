"""What the browser checks share: pass/fail reporting, the demo project in a temp folder with its portal_url
pointing at a local `cobrand serve`, that server, and headless Chromium."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def finish(name):
    """Prints the summary and exits 1 when anything failed."""
    print(f"{name}: {'all passed' if not failures else f'{len(failures)} failed'}")
    raise SystemExit(1 if failures else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_project(work, base):
    """The repository's demo in `work/project`, with lead forms, tracking, hosted pages and feeds pointing at `base`."""
    project = os.path.join(work, "project")
    os.mkdir(project)
    for name in ("Templates", "Locales", "Assets"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(project, name))
    config = open(os.path.join(ROOT, "cobrand.yaml"), encoding="utf-8").read()
    open(os.path.join(project, "cobrand.yaml"), "w", encoding="utf-8").write(re.sub(r"(?m)^(portal_url|tracking_base_url):.*$", rf"\1: {base}", config))
    return project


def serve(cobrand, project, port, work):
    """`cobrand serve` on the project, once it answers /healthz (a failure is recorded if it never does)."""
    log = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([cobrand, "serve", "--project", project, "--port", str(port)], stdout=log, stderr=log)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    check(False, f"serve: answers /healthz within 10 s (see {log.name})")
    return server


def stop(server):
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def browser(javascript=True, bypass_csp=False):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    if bypass_csp:
        # The pages' policy runs no script; a checker's own injected script must still run.
        driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    return driver
