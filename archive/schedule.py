"""Scheduled crawls: a TOML schedule file, and a scheduler that posts them to scrapyd.

    archive schedule check deploy/schedules.toml     # validate, with clear errors
    archive schedule next deploy/schedules.toml      # the next fire times
    archive schedule run deploy/schedules.toml       # post schedule.json at those times
    archive schedule crontab deploy/schedules.toml   # or: one crontab line with curl per schedule

The file (see ``deploy/schedules.toml``)::

    [defaults]                       # optional; every key of a schedule may be given here
    nodes = ["http://127.0.0.1:6800"]
    project = "newsarchive"
    timezone = "UTC"

    [[schedule]]
    name = "commonspace"             # unique; also the crawl's job key (its JOBDIR and spool)
    spider = "commonspace"
    cron = "15 */6 * * *"            # crontab syntax, read by APScheduler's CronTrigger
    timezone = "Europe/Brussels"
    jitter = 300                     # seconds, at most; the same offset for the same fire time
    args = { max_pages = 5000 }      # spider arguments (-a)
    settings = { ARCHIVE_URI = "s3://news/archive" }   # Scrapy settings (-s); never credentials

Fire times come from APScheduler's ``CronTrigger``. Policies, each logged on one line:

- **Overlap.** Before posting, the scheduler asks the node (``listjobs.json``) about the job it
  posted last for that schedule; while that job is pending or running the new run is *skipped*
  (not queued behind it).
- **scrapyd down.** ``schedule.json`` is posted with urllib3's retries and exponential backoff
  (connection errors, 5xx); when every node still fails, the run stays due and is tried again
  at the next wake-up, until it is posted or the next fire time comes (then it is coalesced).
- **Misfires after the scheduler's own downtime.** Every fire time missed since the last one
  handled (kept in the state file) is *coalesced into one run*, posted at once; none is dropped
  silently and none is run twice. A first start, with no state, does not run for the past.
- **State** is a small SQLite file: the last fire time handled per schedule, the job id and node
  of its last post, and one row per decision.

Credentials never appear in the schedule file (``check`` rejects them): crawls take ``AWS_*``
from scrapyd's environment. The scheduler's own basic-auth credentials for scrapyd come from
``SCRAPYD_USERNAME`` / ``SCRAPYD_PASSWORD``, the variables scrapyd itself reads.

This module does not import Scrapy: the spider names ``check`` knows come from scrapyd
(``listspiders.json``) when a node answers, else from the project's spider sources.
"""
from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import shlex
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    import tomli as tomllib

logger = logging.getLogger("archive.schedule")

REQUIRED_SETTINGS = ("ARCHIVE_URI",)
# Never in a schedule file: crawls read them from scrapyd's environment.
CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SCRAPYD_PASSWORD")
SCHEDULE_KEYS = {"name", "spider", "cron", "timezone", "jitter", "nodes", "project", "args", "settings"}
DEFAULT_NODE = "http://127.0.0.1:6800"
DEFAULT_PROJECT = "newsarchive"


class ScheduleError(Exception):
    """A schedule file that cannot be used; ``problems`` lists every reason, one sentence each."""

    def __init__(self, path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems) if len(problems) == 1 else
                         f"{path}: {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Schedule:
    name: str
    spider: str
    cron: str
    timezone: str = "UTC"
    jitter: int = 0
    nodes: list[str] = field(default_factory=lambda: [DEFAULT_NODE])
    project: str = DEFAULT_PROJECT
    args: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    @property
    def trigger(self):
        from apscheduler.triggers.cron import CronTrigger
        return CronTrigger.from_crontab(self.cron, timezone=ZoneInfo(self.timezone))

    def offset(self, fire: datetime) -> timedelta:
        """This fire time's jitter: in [0, jitter] s, the same for the same fire time (so a
        restarted scheduler posts at the same moment)."""
        if not self.jitter:
            return timedelta(0)
        digest = hashlib.sha256(f"{self.name}|{fire.isoformat()}".encode()).digest()
        return timedelta(seconds=int.from_bytes(digest[:4], "big") % (int(self.jitter) + 1))

    def fire_times(self, after: datetime | None, until: datetime) -> list[datetime]:
        """Fire times in (after, until]; with ``after`` None, none (no running for the past)."""
        if after is None:
            return []
        trigger, out, prev = self.trigger, [], after
        while len(out) < 10000:
            nxt = trigger.get_next_fire_time(prev, prev + timedelta(microseconds=1))
            if nxt is None or nxt > until:
                break
            out.append(nxt)
            prev = nxt
        return out

    def next_fire(self, after: datetime) -> datetime | None:
        return self.trigger.get_next_fire_time(None, after + timedelta(microseconds=1))

    def post_data(self) -> list[tuple[str, str]]:
        """The ``schedule.json`` form: project, spider, ``jobkey`` (the schedule's name: the same
        JOBDIR and spool every run), spider arguments and ``setting=NAME=VALUE`` pairs."""
        data = [("project", self.project), ("spider", self.spider), ("jobkey", self.name)]
        data += [(str(k), _text(v)) for k, v in self.args.items()]
        data += [("setting", f"{k}={_text(v)}") for k, v in self.settings.items()]
        return data


def _text(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


# -- the file ------------------------------------------------------------------------------

def known_spiders(spiders_dir: str | os.PathLike | None = None) -> set[str]:
    """Spider names the project defines (``name = "..."`` in ``crawler/spiders/*.py``), read
    without importing Scrapy."""
    if spiders_dir is None:
        spiders_dir = Path(__file__).resolve().parent.parent / "crawler" / "spiders"
    names = set()
    for path in Path(spiders_dir).glob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "name"
                                                             for t in stmt.targets)
                            and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                        names.add(stmt.value.value)
    return names


def load(path: str | os.PathLike, *, spiders: set[str] | None = None) -> list[Schedule]:
    """Read and validate a schedule file; raises :class:`ScheduleError` with every problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScheduleError(path, ["no such file"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScheduleError(path, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    unknown_top = set(data) - {"defaults", "schedule"}
    if unknown_top:
        problems.append(f"unknown table(s) {', '.join(sorted(unknown_top))} (expected [defaults] and [[schedule]])")
    defaults = data.get("defaults", {})
    entries = data.get("schedule", [])
    if not isinstance(defaults, dict) or not isinstance(entries, list):
        raise ScheduleError(path, ["[defaults] must be a table and [[schedule]] an array of tables"])
    if not entries:
        problems.append("no [[schedule]] entries")
    spiders = known_spiders() if spiders is None else spiders
    schedules, names = [], set()
    for n, raw in enumerate(entries, 1):
        entry = {**defaults, **raw}
        entry["settings"] = {**defaults.get("settings", {}), **raw.get("settings", {})}
        entry["args"] = {**defaults.get("args", {}), **raw.get("args", {})}
        label = f"schedule {entry.get('name')!r}" if entry.get("name") else f"schedule #{n}"
        problems += [f"{label}: {p}" for p in _entry_problems(entry, spiders)]
        if entry.get("name") in names:
            problems.append(f"{label}: the name is used twice")
        names.add(entry.get("name"))
        if not [p for p in problems if p.startswith(label + ":")]:
            schedules.append(_schedule(entry))
    if problems:
        raise ScheduleError(path, problems)
    return schedules


def _entry_problems(entry: dict, spiders: set[str]) -> list[str]:
    problems = []
    unknown = set(entry) - SCHEDULE_KEYS
    if unknown:
        problems.append(f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(SCHEDULE_KEYS))})")
    for key in ("name", "spider", "cron"):
        if not isinstance(entry.get(key), str) or not entry.get(key).strip():
            problems.append(f"missing {key!r}")
    if isinstance(entry.get("spider"), str) and entry["spider"] and spiders and entry["spider"] not in spiders:
        problems.append(f"unknown spider {entry['spider']!r} (the project has: {', '.join(sorted(spiders))})")
    tz = entry.get("timezone", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown time zone {tz!r} (use an IANA name such as 'Europe/Brussels' or 'UTC')")
        tz = "UTC"
    if isinstance(entry.get("cron"), str) and entry["cron"].strip():
        from apscheduler.triggers.cron import CronTrigger
        try:
            CronTrigger.from_crontab(entry["cron"], timezone=ZoneInfo(str(tz)))
        except ValueError as exc:
            problems.append(f"bad cron expression {entry['cron']!r}: {exc}")
    jitter = entry.get("jitter", 0)
    if not isinstance(jitter, int) or isinstance(jitter, bool) or jitter < 0:
        problems.append(f"jitter must be a whole number of seconds >= 0, got {jitter!r}")
    nodes = entry.get("nodes", [DEFAULT_NODE])
    if isinstance(nodes, str):
        nodes = [nodes]
    if not isinstance(nodes, list) or not nodes:
        problems.append("nodes must be a list of scrapyd URLs")
    else:
        for node in nodes:
            parts = urlsplit(str(node))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"node {node!r} is not an http(s) URL")
            elif parts.username or parts.password:
                problems.append(f"node {node!r} has credentials in its URL: set SCRAPYD_USERNAME and "
                                "SCRAPYD_PASSWORD in the scheduler's environment instead")
    for table in ("args", "settings"):
        if not isinstance(entry.get(table), dict):
            problems.append(f"{table} must be a table")
    settings = entry.get("settings") if isinstance(entry.get("settings"), dict) else {}
    for name in REQUIRED_SETTINGS:
        if not settings.get(name):
            problems.append(f"missing setting {name} (where the crawl archives: settings = "
                            "{ ARCHIVE_URI = \"s3://bucket/prefix\" })")
    secret = [k for k in settings if k.upper() in CREDENTIALS]
    if secret:
        problems.append(f"credentials in the schedule file ({', '.join(secret)}): they go in scrapyd's "
                        "environment, never in a schedule or an egg")
    return problems


def _schedule(entry: dict) -> Schedule:
    nodes = entry.get("nodes", [DEFAULT_NODE])
    nodes = [nodes] if isinstance(nodes, str) else nodes
    return Schedule(name=entry["name"].strip(), spider=entry["spider"].strip(), cron=entry["cron"].strip(),
                    timezone=str(entry.get("timezone", "UTC")), jitter=int(entry.get("jitter", 0)),
                    nodes=[str(n).rstrip("/") for n in nodes], project=str(entry.get("project", DEFAULT_PROJECT)),
                    args=dict(entry.get("args", {})), settings=dict(entry.get("settings", {})))


# -- crontab alternative ---------------------------------------------------------------------

def crontab(schedules: list[Schedule]) -> str:
    """Plain cron instead of ``archive schedule run``: one line with curl per schedule (first
    node only; no overlap check, no retries, no coalescing: cron's own guarantees)."""
    lines = ["# newsarchive schedules for cron (from `archive schedule crontab`).",
             "# Basic auth, if scrapyd has it: SCRAPYD_USERNAME and SCRAPYD_PASSWORD in cron's environment.",
             "SHELL=/bin/sh"]
    for s in schedules:
        lines.append("")
        lines.append(f"# {s.name}: {s.spider} at '{s.cron}' ({s.timezone}), jitter {s.jitter}s")
        if s.timezone != "UTC":
            lines.append(f"CRON_TZ={s.timezone}")
        lines.append(f"{s.cron} {curl_command(s)}".replace("%", "\\%"))
        if s.timezone != "UTC":
            lines.append("CRON_TZ=UTC")
    return "\n".join(lines) + "\n"


def curl_command(s: Schedule) -> str:
    parts = [] if not s.jitter else [f"sleep $(shuf -i 0-{s.jitter} -n 1);"]
    parts += ["curl", "-fsS", "--retry", "5", "--retry-connrefused",
              '${SCRAPYD_USERNAME:+-u "$SCRAPYD_USERNAME:$SCRAPYD_PASSWORD"}',
              shlex.quote(s.nodes[0] + "/schedule.json")]
    for k, v in s.post_data():
        parts += ["--data-urlencode", shlex.quote(f"{k}={v}")]
    return " ".join(parts)


# -- state -----------------------------------------------------------------------------------

class State:
    """The scheduler's memory (SQLite): last fire time handled per schedule, last job posted."""

    def __init__(self, path: str | os.PathLike):
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS schedules (name TEXT PRIMARY KEY, last_fire TEXT, "
                        "last_job TEXT, last_node TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS decisions (at TEXT, name TEXT, fire TEXT, action TEXT, "
                        "node TEXT, job TEXT, detail TEXT)")

    def get(self, name: str) -> dict:
        row = self.db.execute("SELECT last_fire, last_job, last_node FROM schedules WHERE name = ?", (name,)).fetchone()
        if row is None:
            return {"last_fire": None, "last_job": None, "last_node": None}
        return {"last_fire": datetime.fromisoformat(row[0]) if row[0] else None, "last_job": row[1],
                "last_node": row[2]}

    def set_fire(self, name: str, fire: datetime, job: str | None = None, node: str | None = None) -> None:
        old = self.get(name)
        self.db.execute("INSERT OR REPLACE INTO schedules VALUES (?, ?, ?, ?)",
                        (name, fire.isoformat(), job or old["last_job"], node or old["last_node"]))

    def decide(self, at: datetime, name: str, fire: datetime | None, action: str, node=None, job=None,
               detail: str = "") -> None:
        self.db.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (at.isoformat(), name, fire.isoformat() if fire else None, action, node, job, detail))

    def decisions(self, name: str | None = None) -> list[dict]:
        rows = self.db.execute("SELECT at, name, fire, action, node, job, detail FROM decisions"
                               + (" WHERE name = ?" if name else "") + " ORDER BY rowid", (name,) if name else ())
        return [dict(zip(("at", "name", "fire", "action", "node", "job", "detail"), r)) for r in rows]

    def close(self) -> None:
        self.db.close()


# -- talking to scrapyd ----------------------------------------------------------------------

class ScrapydDown(Exception):
    pass


class Scrapyd:
    """scrapyd's JSON API on one node, through urllib3 with retries and exponential backoff."""

    def __init__(self, url: str, *, retries: int = 5, backoff: float = 1.0, backoff_max: float = 60.0,
                 timeout: float = 10.0, environ=os.environ):
        import urllib3
        self.url = url.rstrip("/")
        self.retry = urllib3.Retry(total=retries, connect=retries, read=retries, status=retries,
                                   backoff_factor=backoff, backoff_max=backoff_max,
                                   status_forcelist=(500, 502, 503, 504), allowed_methods=None,
                                   raise_on_status=False)
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(total=timeout), retries=self.retry)
        self.headers = {}
        user, password = environ.get("SCRAPYD_USERNAME"), environ.get("SCRAPYD_PASSWORD")
        if user:
            self.headers.update(urllib3.make_headers(basic_auth=f"{user}:{password or ''}"))

    def _call(self, method: str, path: str, fields: list[tuple[str, str]] | None = None) -> dict:
        import urllib3
        url = f"{self.url}/{path}"
        try:
            if method == "GET":
                resp = self.http.request("GET", url + (f"?{urlencode(fields)}" if fields else ""), headers=self.headers)
            else:
                resp = self.http.request("POST", url, body=urlencode(fields or []), headers={
                    **self.headers, "Content-Type": "application/x-www-form-urlencoded"})
        except urllib3.exceptions.HTTPError as exc:
            raise ScrapydDown(f"{self.url} unreachable after {self.retry.total} retries ({type(exc).__name__})") from None
        if resp.status >= 500:
            raise ScrapydDown(f"{self.url} answered HTTP {resp.status} after {self.retry.total} retries")
        try:
            data = json.loads(resp.data)
        except ValueError:
            raise ScrapydDown(f"{self.url} answered HTTP {resp.status} with no JSON") from None
        if resp.status >= 400 or data.get("status") != "ok":
            raise ValueError(f"{self.url}/{path} refused: {data.get('message') or resp.status}")
        return data

    def schedule(self, data: list[tuple[str, str]]) -> str:
        return self._call("POST", "schedule.json", data)["jobid"]

    def active_jobs(self, project: str) -> set[str]:
        jobs = self._call("GET", "listjobs.json", [("project", project)])
        return {j["id"] for j in jobs.get("pending", []) + jobs.get("running", [])}

    def spiders(self, project: str) -> set[str]:
        return set(self._call("GET", "listspiders.json", [("project", project)])["spiders"])


# -- the scheduler -----------------------------------------------------------------------------

def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    """Posts each schedule's runs to scrapyd at its fire times (see the module's policies).

    ``clock`` and ``sleep`` are injectable: tests drive :meth:`tick` with their own times."""

    def __init__(self, schedules: list[Schedule], state: State, *, clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], None] = time.sleep, client_factory=Scrapyd):
        self.schedules = schedules
        self.state = state
        self.clock = clock
        self.sleep = sleep
        self.clients: dict[str, Scrapyd] = {}
        self.client_factory = client_factory

    def client(self, node: str) -> Scrapyd:
        if node not in self.clients:
            self.clients[node] = self.client_factory(node)
        return self.clients[node]

    def log(self, now: datetime, s: Schedule, fire: datetime | None, action: str, *, node=None, job=None,
            detail: str = "") -> None:
        """One line per decision, key=value, and a row in the state file."""
        self.state.decide(now, s.name, fire, action, node, job, detail)
        fields = [f"schedule={s.name}", f"action={action}"]
        if fire is not None:
            fields.append(f"fire={fire.isoformat()}")
        if node:
            fields.append(f"node={node}")
        if job:
            fields.append(f"job={job}")
        if detail:
            fields.append(f"detail={json.dumps(detail)}")
        logger.info(" ".join(fields))

    def tick(self, now: datetime | None = None) -> int:
        """One pass: for every schedule, post (or skip) what is due at ``now``. Returns how many
        runs could not be posted (every node down): they stay due."""
        now = now or self.clock()
        return sum(1 for s in self.schedules if self._tick_one(s, now) == "retry_later")

    def _tick_one(self, s: Schedule, now: datetime) -> str | None:
        st = self.state.get(s.name)
        if st["last_fire"] is None:
            # First start: nothing is owed for the past; the first run is the next fire time.
            self.state.set_fire(s.name, now)
            self.log(now, s, s.next_fire(now), "start", detail="first start: no run for the past")
            return
        due = [f for f in s.fire_times(st["last_fire"], now) if f + s.offset(f) <= now]
        if not due:
            return
        fire = due[-1]
        if len(due) > 1:
            self.log(now, s, fire, "coalesce", detail=f"{len(due)} missed fire times "
                     f"({due[0].isoformat()} .. {fire.isoformat()}) coalesced into one run")
        if st["last_job"] and st["last_node"]:
            try:
                active = self.client(st["last_node"]).active_jobs(s.project)
            except (ScrapydDown, ValueError) as exc:
                active = set()
                self.log(now, s, fire, "listjobs_failed", node=st["last_node"], detail=str(exc))
            if st["last_job"] in active:
                self.state.set_fire(s.name, fire)
                self.log(now, s, fire, "skip", node=st["last_node"], job=st["last_job"],
                         detail="the previous run is still pending or running")
                return "skip"
        errors = []
        for node in s.nodes:
            try:
                job = self.client(node).schedule(s.post_data())
            except ScrapydDown as exc:
                errors.append(str(exc))
                continue
            except ValueError as exc:   # scrapyd refused the job (unknown project or spider)
                self.state.set_fire(s.name, fire)
                self.log(now, s, fire, "refused", node=node, detail=str(exc))
                return "refused"
            self.state.set_fire(s.name, fire, job=job, node=node)
            late = (now - fire).total_seconds()
            self.log(now, s, fire, "posted", node=node, job=job, detail=f"{late:.0f}s after the fire time")
            return "posted"
        # Every node down: stays due; the next tick tries again (then coalesced with later ones).
        self.log(now, s, fire, "retry_later", detail="; ".join(errors))
        return "retry_later"

    def next_wake(self, now: datetime) -> datetime:
        """The earliest moment any schedule has something to do."""
        times = []
        for s in self.schedules:
            st = self.state.get(s.name)
            nxt = s.next_fire(st["last_fire"] or now)
            if nxt is not None:
                times.append(nxt + s.offset(nxt))
        return min(times, default=now + timedelta(hours=1))

    def run(self, *, until: Callable[[], bool] = lambda: False, idle_max: float = 60.0,
            retry_pause: float = 30.0) -> None:
        """Tick at each fire time (waking at least every ``idle_max`` seconds) until ``until()``;
        after a run no node took, wait ``retry_pause`` seconds before trying again."""
        while not until():
            failed = self.tick(self.clock())
            wait = (self.next_wake(self.clock()) - self.clock()).total_seconds()
            if failed:
                wait = max(wait, retry_pause)
            self.sleep(min(max(wait, 0.05), idle_max))


def next_runs(s: Schedule, now: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` fire times after ``now``, jitter included, in the schedule's zone."""
    out, prev = [], now
    for _ in range(count):
        nxt = s.next_fire(prev)
        if nxt is None:
            break
        out.append(nxt + s.offset(nxt))
        prev = nxt
    return out


__all__ = ["Schedule", "ScheduleError", "Scheduler", "State", "Scrapyd", "ScrapydDown", "load", "crontab",
           "known_spiders", "next_runs"]
