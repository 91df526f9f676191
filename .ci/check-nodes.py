"""Two `cobrand serve` nodes on one PostgreSQL database and one project and output folder, driven over HTTP as
a load balancer would spread partners and readers over them:

- tracking: hits sent to both nodes, then a graceful stop; the events in the database (counted with psql)
  equal the hits answered;
- deal race: 20 rounds of two partners registering one account on different nodes at once, one winner each;
- MDF: claims filed on both nodes, then `cobrand mdf audit verify` finds one intact chain;
- publish: a partner publishes on node 1, then downloads from node 2 and gets the new bytes;
- outbox: a CRM receiver hears every lead and deal event, while the delivering node is SIGKILLed mid-delivery;
  the other node takes over after the lease, and the receiver applies each event id once.

Usage: check-nodes.py COBRAND POSTGRES_URL"""
import datetime
import hashlib
import http.server
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, demo_project, finish, free_port  # noqa: E402

COBRAND, BASE_URL = sys.argv[1], sys.argv[2]
SCHEMA = "nodes_" + uuid.uuid4().hex[:8]
URL = BASE_URL + ("&" if "?" in BASE_URL else "?") + "search_path=" + SCHEMA


def psql(sql):
    """One value from the database, through PostgreSQL's own client rather than cobrand."""
    parts = urllib.parse.urlsplit(BASE_URL)
    plain = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    env = dict(os.environ, PGOPTIONS=f"-csearch_path={SCHEMA}")
    return subprocess.run(["psql", plain, "-tAc", sql], env=env, check=True, capture_output=True, text=True).stdout.strip()


def cobrand(*arguments):
    run = subprocess.run([COBRAND, *arguments, "--project", PROJECT, "--db", URL], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr)
    return run


class Receiver(http.server.BaseHTTPRequestHandler):
    """The CRM: slow enough that a kill lands mid-delivery; applies each event id once."""
    lock = threading.Lock()
    deliveries = []

    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.2)
        with Receiver.lock:
            Receiver.deliveries.append(event["id"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class Node:
    def __init__(self, name, port):
        self.name, self.port, self.base = name, port, f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        log = open(os.path.join(WORK, f"{self.name}.log"), "a")
        self.process = subprocess.Popen([COBRAND, "serve", "--project", PROJECT, "--db", URL, "--port", str(self.port), "--node", self.name,
                                         "--out", OUTPUT], stdout=log, stderr=log)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/readyz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        check(False, f"{self.name}: answers /readyz within 20 s")

    def stop(self, kill=False):
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(timeout=60)


def request(url, data=None, headers=None, method=None):
    """(status, headers, body) without raising on 4xx/5xx and without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}, method=method), timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def tracking(nodes):
    html = open(os.path.join(OUTPUT, "kits", "cloud-migration", "acme-cloud", "en-US", "nurture", "invite.html"), encoding="utf-8").read()
    pixel = re.search(r'src="http://127\.0\.0\.1:\d+(/t/o/[^"]+\.gif)"', html)
    check(pixel is not None, "tracking: the built email has an open pixel")
    if not pixel:
        return
    before = int(psql("SELECT count(*) FROM event"))

    def hit(index):
        return request(nodes[index % 2].base + pixel.group(1))[0]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(hit, range(3000)))
    answered = answers.count(200)
    for node in nodes:
        node.stop()
    events = int(psql("SELECT count(*) FROM event")) - before
    check(answered == 3000, f"tracking: every hit answered 200 ({answered} of 3000)")
    check(events == answered, f"tracking: after a graceful stop the database holds one event per answered hit ({events} for {answered})")
    for node in nodes:
        node.start()


def deal_race(nodes, tokens):
    def register(args):
        node, partner, domain = args
        body = json.dumps({"account_domain": domain, "account_name": "Race", "value": "1000.00", "currency": "USD",
                           "products": ["Helioscale Stream"], "expected_close": "2027-06-30"}).encode()
        status, _, answer = request(node.base + "/api/deals", body, {"Authorization": f"Bearer {tokens[partner]}",
                                                                     "Content-Type": "application/json"})
        try:
            return json.loads(answer).get("status", f"http {status}")  # a conflict answers 409 with the deal
        except ValueError:
            return f"http {status}"
    rounds_ok = 0
    with ThreadPoolExecutor(2) as pool:
        for round in range(20):
            domain = f"race{round}.example"
            outcome = sorted(pool.map(register, [(nodes[0], "acme-cloud", domain), (nodes[1], "rheinwerk", domain)]))
            rounds_ok += outcome == ["conflict", "pending"]
            if outcome != ["conflict", "pending"]:
                print(f"  round {round}: {outcome}")
    check(rounds_ok == 20, f"deal race: one pending and one conflict in each of 20 rounds on two nodes ({rounds_ok})")


def claims(nodes, tokens):
    today = datetime.date.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for partner in ("acme-cloud", "rheinwerk"):
        cobrand("mdf", "allocate", "--partner", partner, "--period", quarter, "--amount", "50000", "--currency", "USD")
    created = 0
    with ThreadPoolExecutor(4) as pool:
        def claim(index):
            partner = ("acme-cloud", "rheinwerk")[index % 2]
            body = json.dumps({"campaign": "cloud-migration", "activity": "email", "activity_start": start.isoformat(),
                               "activity_end": today.isoformat(), "amount": f"{100 + index}.00", "currency": "USD", "invoice": f"INV-{index}",
                               "results": {"opens": 10}}).encode()
            return request(nodes[index // 2 % 2].base + "/api/mdf/claims", body,
                           {"Authorization": f"Bearer {tokens[partner]}", "Content-Type": "application/json"})[0]
        created = list(pool.map(claim, range(16))).count(201)
    check(created == 16, f"mdf: 16 claims filed on both nodes ({created} created)")
    verify = cobrand("mdf", "audit", "verify")
    check(verify.returncode == 0 and "intact" in verify.stdout, f"mdf: one intact audit chain after appends from two nodes ({verify.stdout.strip()})")


def publish(nodes, token):
    """Sign in on node 1, change the phone, publish; the session and the bundle are then node 2's too."""
    first, second = nodes
    status, headers, page = request(first.base + "/portal")
    cookies = {}

    def keep(headers):
        for header in headers.get_all("Set-Cookie") or []:
            name, value = header.split(";")[0].split("=", 1)
            cookies[name] = value

    def cookie():
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}

    def csrf(html):
        return re.search(rb'name="csrf" value="([^"]+)"', html).group(1).decode()
    keep(headers)
    form = urllib.parse.urlencode({"csrf": csrf(page), "token": token}).encode()
    status, headers, _ = request(first.base + "/portal/sign-in", form, cookie())
    keep(headers)
    check(status == 303 and "cobrand_session" in cookies, f"publish: signed in on {first.name} ({status})")
    link = "/portal/bundles/cloud-migration/en-US"
    status, _, old = request(second.base + link, headers=cookie())
    check(status == 200 and old[:2] == b"PK", f"publish: {second.name} serves the kit with {first.name}'s session ({status})")
    phone = "+1 212 555 0199"
    _, _, page = request(first.base + "/portal/customise", headers=cookie())
    boundary = uuid.uuid4().hex
    form = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in (("csrf", csrf(page)), ("profile.phone", phone))) + f"--{boundary}--\r\n"
    status, headers, _ = request(first.base + "/portal/customise", form.encode(),
                                 {**cookie(), "Content-Type": f"multipart/form-data; boundary={boundary}"})
    check(status == 303 and "saved=" in (headers.get("Location") or ""), f"publish: the new phone saved on {first.name} ({status})")
    _, _, page = request(first.base + "/portal/preview", headers=cookie())
    status, headers, _ = request(first.base + "/portal/publish", urllib.parse.urlencode({"csrf": csrf(page)}).encode(), cookie())
    check(status == 303 and "published=" in (headers.get("Location") or ""), f"publish: published on {first.name} ({status})")
    status, _, new = request(second.base + link, headers=cookie())
    names = zipfile.ZipFile(io.BytesIO(new)).namelist() if new[:2] == b"PK" else []
    landing = next((name for name in names if name.endswith("/landing/index.html")), None)
    html = zipfile.ZipFile(io.BytesIO(new)).read(landing).decode() if landing else ""
    check(status == 200 and new != old and phone in html,
          f"publish: the next download on {second.name} is the new bundle ({hashlib.sha256(old).hexdigest()[:12]} -> {hashlib.sha256(new).hexdigest()[:12]})")


def outbox(nodes):
    """Kill the node that delivers while the receiver is slow; the other takes over at its next round."""
    deadline = time.time() + 5
    while time.time() < deadline and not Receiver.deliveries:
        time.sleep(0.05)
    # The delivering node holds the outbox's advisory lock; its connections carry the node's name.
    holder = psql("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted")
    victim = next((node for node in nodes if holder == f"cobrand {node.name}"), None)
    check(victim is not None, f"outbox: one node holds the outbox's lock ({holder!r})")
    victim = victim or nodes[0]
    victim.stop(kill=True)
    pending = int(psql("SELECT count(*) FROM outbox WHERE status = 'pending'"))
    print(f"  killed {victim.name} (the outbox's holder) with {pending} event(s) pending and {len(Receiver.deliveries)} delivered")
    deadline = time.time() + 90
    while time.time() < deadline and psql("SELECT count(*) FROM outbox WHERE status <> 'delivered'") != "0":
        time.sleep(0.5)
    keys = set(psql("SELECT eventKey FROM outbox").split())
    delivered = Receiver.deliveries
    check(psql("SELECT count(*) FROM outbox WHERE status <> 'delivered'") == "0", "outbox: every row delivered after the kill")
    check(set(delivered) == keys, f"outbox: the receiver heard every event ({len(set(delivered))} of {len(keys)})")
    twice = len(delivered) - len(set(delivered))
    check(twice <= 1, f"outbox: at most the one event in flight at the kill is sent again, under its id, and applied once ({twice} sent twice)")
    victim.start()


WORK = tempfile.mkdtemp()
first_port, second_port, crm_port = free_port(), free_port(), free_port()
PROJECT = demo_project(WORK, f"http://127.0.0.1:{first_port}")
with open(os.path.join(PROJECT, "cobrand.yaml"), "a", encoding="utf-8") as config:
    config.write(f"crm:\n  webhook_url: http://127.0.0.1:{crm_port}/hook\n  backoff_base_seconds: 1\n  backoff_max_seconds: 2\n")
OUTPUT = os.path.join(PROJECT, "Output")
crm = http.server.ThreadingHTTPServer(("127.0.0.1", crm_port), Receiver)
threading.Thread(target=crm.serve_forever, daemon=True).start()

build = cobrand("build", "--out", OUTPUT)
check(build.returncode == 0, "build: the demo's kits are built and synced into PostgreSQL")
tokens = {partner: cobrand("partners", "token", partner).stdout.strip().splitlines()[-1] for partner in ("acme-cloud", "rheinwerk")}
nodes = [Node("node-1", first_port), Node("node-2", second_port)]
for node in nodes:
    node.start()
try:
    deal_race(nodes, tokens)
    outbox(nodes)  # the race's 40 deal events are still being delivered, one per 0.2 s
    tracking(nodes)
    claims(nodes, tokens)
    publish(nodes, tokens["acme-cloud"])
    # Last: the database goes away under a running node; /readyz says so and the load balancer looks elsewhere.
    psql(f"DROP SCHEMA {SCHEMA} CASCADE")
    status, _, body = request(nodes[1].base + "/readyz")
    check(status == 503 and body.startswith(b"database unavailable: "), f"readyz: 503 once the node's database is gone ({status} {body[:80]!r})")
    status, _, _ = request(nodes[1].base + "/healthz")
    check(status == 200, f"healthz: the process still answers ({status})")
finally:
    for node in nodes:
        if node.process and node.process.poll() is None:
            node.stop()
finish("two nodes")
