"""The scheduler, driven by a controllable clock, against a small fake scrapyd HTTP server on
127.0.0.1 (the real scrapyd is exercised in test_scrapyd.py): runs posted on time, a run skipped
while the previous one runs, retries with backoff while scrapyd is down, missed runs coalesced
into one after the scheduler's own downtime; and `archive schedule check` on a bad file."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from archive import schedule as sched
from tests.crawling import REPO, archive_cmd
from tests.seaweed import free_ports

UTC = timezone.utc


class FakeScrapyd:
    """schedule.json, listjobs.json and listspiders.json; can be told to fail or be stopped."""

    def __init__(self, port: int | None = None):
        self.port = port or free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.posts: list[dict] = []        # every schedule.json request: form fields, arrival time
        self.running: set[str] = set()     # job ids listjobs.json reports as running
        self.fail_next = 0                 # answer this many requests with 503 first
        self.httpd = None
        self.start()

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status, obj):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                fake.posts.append({"form": form, "at": time.monotonic(), "auth": self.headers.get("Authorization")})
                if fake.fail_next:
                    fake.fail_next -= 1
                    return self._answer(503, {"status": "error", "message": "busy"})
                self._answer(200, {"status": "ok", "jobid": uuid.uuid4().hex})

            def do_GET(self):  # noqa: N802
                path = urlsplit(self.path).path
                if path == "/listjobs.json":
                    return self._answer(200, {"status": "ok", "pending": [],
                                              "running": [{"id": j} for j in sorted(fake.running)], "finished": []})
                if path == "/listspiders.json":
                    return self._answer(200, {"status": "ok", "spiders": ["commonspace", "news"]})
                self._answer(404, {"status": "error", "message": "no such resource"})

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake():
    server = FakeScrapyd()
    yield server
    server.stop()


def make_schedule(fake, **kw) -> sched.Schedule:
    return sched.Schedule(**{"name": "every5", "spider": "news", "cron": "*/5 * * * *", "nodes": [fake.url],
                             "args": {"start_urls": "http://127.0.0.1:1/"},
                             "settings": {"ARCHIVE_URI": "s3://news/a"}, **kw})


def scheduler(fake, tmp_path, **kw):
    state = sched.State(tmp_path / "state.sqlite")
    client = lambda node: sched.Scrapyd(node, retries=4, backoff=0.1, timeout=2)  # noqa: E731
    return sched.Scheduler([make_schedule(fake, **kw)], state, client_factory=client), state


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, ss, tzinfo=UTC)


def actions(state) -> list[tuple[str, str | None]]:
    return [(d["action"], d["fire"] and d["fire"][11:16]) for d in state.decisions()]


def test_runs_are_posted_on_time(fake, tmp_path, caplog):
    s, state = scheduler(fake, tmp_path)
    with caplog.at_level(logging.INFO, logger="archive.schedule"):
        s.tick(at(10, 1))          # first start: nothing owed for the past
        s.tick(at(10, 4, 59))      # not yet
        s.tick(at(10, 5, 0))       # on time
        s.tick(at(10, 7))          # nothing new
        s.tick(at(10, 10, 1))
    assert actions(state) == [("start", "10:05"), ("posted", "10:05"), ("posted", "10:10")]
    assert len(fake.posts) == 2
    form = fake.posts[0]["form"]
    assert form["project"] == ["newsarchive"] and form["spider"] == ["news"] and form["jobkey"] == ["every5"]
    assert form["start_urls"] == ["http://127.0.0.1:1/"] and form["setting"] == ["ARCHIVE_URI=s3://news/a"]
    # every decision is one log line, key=value
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and all("\n" not in line for line in lines)
    assert lines[1].startswith("schedule=every5 action=posted fire=2026-03-02T10:05:00+00:00 node=" + fake.url)


def test_jitter_delays_the_post_within_its_bound(fake, tmp_path):
    s, state = scheduler(fake, tmp_path, jitter=120)
    offset = s.schedules[0].offset(at(10, 5)).total_seconds()
    assert 0 <= offset <= 120 and offset == s.schedules[0].offset(at(10, 5)).total_seconds()
    s.tick(at(10, 1))
    s.tick(at(10, 5) + timedelta(seconds=offset) - timedelta(seconds=1))
    assert not fake.posts
    s.tick(at(10, 5) + timedelta(seconds=offset))
    assert len(fake.posts) == 1


def test_run_skipped_while_previous_is_running(fake, tmp_path):
    s, state = scheduler(fake, tmp_path)
    s.tick(at(10, 1))
    s.tick(at(10, 5))
    job = state.get("every5")["last_job"]
    fake.running.add(job)          # still crawling at the next fire time
    s.tick(at(10, 10))
    assert actions(state)[-1] == ("skip", "10:10") and len(fake.posts) == 1
    fake.running.clear()           # finished
    s.tick(at(10, 15))
    assert actions(state)[-1] == ("posted", "10:15") and len(fake.posts) == 2
    skip = [d for d in state.decisions() if d["action"] == "skip"][0]
    assert skip["job"] == job and "still pending or running" in skip["detail"]


def test_retries_with_backoff_while_scrapyd_fails(fake, tmp_path):
    s, state = scheduler(fake, tmp_path)
    s.tick(at(10, 1))
    fake.fail_next = 3             # 503 three times, then accepted: urllib3's retries with backoff
    s.tick(at(10, 5))
    assert actions(state)[-1] == ("posted", "10:05")
    gaps = [b["at"] - a["at"] for a, b in zip(fake.posts, fake.posts[1:])]
    assert len(fake.posts) == 4 and gaps[2] > gaps[1] > 0.1, gaps   # 0.2 s, then 0.4 s


def test_scrapyd_down_stays_due_until_it_is_back(fake, tmp_path):
    s, state = scheduler(fake, tmp_path)
    s.tick(at(10, 1))
    fake.stop()                    # connection refused
    t0 = time.monotonic()
    s.tick(at(10, 5))
    assert time.monotonic() - t0 > 0.5, "retried with backoff before giving up"
    assert actions(state)[-1][0] == "retry_later" and "unreachable" in state.decisions()[-1]["detail"]
    fake.start()                   # back on the same port
    s.tick(at(10, 6))
    assert actions(state)[-1] == ("posted", "10:05") and len(fake.posts) == 1


def test_missed_runs_coalesce_into_one_after_downtime(fake, tmp_path):
    s, state = scheduler(fake, tmp_path)
    s.tick(at(10, 1))
    s.tick(at(10, 5))
    state.close()
    # The scheduler is down from 10:06 to 10:47: 8 fire times missed (10:10 ... 10:45).
    state = sched.State(tmp_path / "state.sqlite")
    s = sched.Scheduler(s.schedules, state, client_factory=lambda n: sched.Scrapyd(n, retries=1, backoff=0.1))
    s.tick(at(10, 47))
    decisions = state.decisions()[-2:]
    assert [d["action"] for d in decisions] == ["coalesce", "posted"]
    assert "8 missed fire times" in decisions[0]["detail"] and decisions[1]["fire"].startswith("2026-03-02T10:45")
    assert len(fake.posts) == 2    # one run for all 8
    s.tick(at(10, 49))
    assert len(fake.posts) == 2
    s.tick(at(10, 50))
    assert len(fake.posts) == 3


def test_run_loop_sleeps_until_the_next_fire_time(fake, tmp_path):
    s, state = scheduler(fake, tmp_path)
    now = [at(10, 1)]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    s.clock, s.sleep = (lambda: now[0]), sleep
    s.run(until=lambda: len(fake.posts) >= 2, idle_max=3600)
    assert slept == [240.0, 300.0, 300.0]     # 10:01 -> 10:05 -> 10:10 -> 10:15, no busy waiting
    assert actions(state) == [("start", "10:05"), ("posted", "10:05"), ("posted", "10:10")]


BAD_FILE = """
[defaults]
nodes = ["http://127.0.0.1:6800/"]

[[schedule]]
name = "typo"
spider = "nwes"
cron = "*/5 * * * *"
settings = { ARCHIVE_URI = "s3://news/a" }

[[schedule]]
name = "badcron"
spider = "news"
cron = "61 * * * *"
settings = { ARCHIVE_URI = "s3://news/a" }

[[schedule]]
name = "nowhere"
spider = "news"
cron = "0 * * * *"
timezone = "Mars/Olympus"

[[schedule]]
name = "leaky"
spider = "news"
cron = "0 * * * *"
settings = { ARCHIVE_URI = "s3://news/a", AWS_SECRET_ACCESS_KEY = "hunter2" }
"""


def test_check_rejects_a_bad_file_clearly(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_FILE)
    code, out, err = archive_cmd("schedule", "check", str(path))
    assert code == 1, out + err
    assert "5 problems:" in err      # every problem, one per line
    assert "schedule 'typo': unknown spider 'nwes' (the project has: commonspace, news)" in err
    assert "schedule 'badcron': bad cron expression '61 * * * *'" in err and "higher than the maximum" in err
    assert "schedule 'nowhere': unknown time zone 'Mars/Olympus'" in err
    assert "schedule 'nowhere': missing setting ARCHIVE_URI" in err
    assert "schedule 'leaky': credentials in the schedule file (AWS_SECRET_ACCESS_KEY)" in err
    assert "hunter2" not in err
    path.write_text("[[schedule]\nname = 1")
    code, _, err = archive_cmd("schedule", "check", str(path))
    assert code == 1 and "not valid TOML" in err


def test_shipped_schedule_file_checks_and_shows_next_times():
    code, out, err = archive_cmd("schedule", "check", "deploy/schedules.toml")
    assert code == 0 and out.startswith("ok: 2 schedule(s)"), err
    code, out, err = archive_cmd("schedule", "next", "deploy/schedules.toml", "-n", "2")
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert [r[0] for r in rows] == ["commonspace", "commonspace", "demo-site", "demo-site"]
    assert rows[0][2].endswith(("+01:00", "+02:00"))   # Europe/Brussels
    utc = [datetime.fromisoformat(r[3]) for r in rows]
    assert utc[0] < utc[1] and utc[2] < utc[3] and all(t > datetime.now(UTC) for t in utc)


def test_crontab_lines_post_the_same_job(fake, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f"""
[[schedule]]
name = "demo"
spider = "news"
cron = "*/30 * * * *"
nodes = ["{fake.url}"]
args = {{ start_urls = "http://127.0.0.1:8765/" }}
settings = {{ ARCHIVE_URI = "s3://news/a b", CONTACT_URL = "https://x.example/?a=1&b=2" }}
""")
    code, out, err = archive_cmd("schedule", "crontab", str(path))
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("*/30 * * * * "))
    command = line[len("*/30 * * * * "):].replace("\\%", "%")
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "SCRAPYD_USERNAME": "ops", "SCRAPYD_PASSWORD": "pw"})
    assert proc.returncode == 0, proc.stderr
    form = fake.posts[-1]["form"]
    assert form["spider"] == ["news"] and form["jobkey"] == ["demo"]
    assert form["setting"] == ["ARCHIVE_URI=s3://news/a b", "CONTACT_URL=https://x.example/?a=1&b=2"]
    assert fake.posts[-1]["auth"].startswith("Basic ")


def test_schedule_run_command_starts_and_stops_cleanly(fake, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f"""
[[schedule]]
name = "hourly"
spider = "news"
cron = "0 * * * *"
nodes = ["{fake.url}"]
settings = {{ ARCHIVE_URI = "s3://news/a" }}
""")
    state = tmp_path / "state.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "schedule", "run", str(path), "--state", str(state)],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (state.exists() and sched.State(state).decisions()):
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "scheduler started: 1 schedule(s)" in err and "schedule=hourly action=start" in err
    assert sched.State(state).get("hourly")["last_fire"] is not None
