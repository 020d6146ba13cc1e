"""Deployment, end to end, as deploy/README.md tells it: a real scrapyd from .venv started by
`make scrapyd` with deploy/scrapyd.conf (port from SCRAPYD_HTTP_PORT, temporary SCRAPYD_HOME),
the project deployed by `make deploy` (scrapyd-deploy), `news` scheduled through schedule.json
against the demo site into an s3:// archive on SeaweedFS, then scheduled again: the recrawl
asks for every article conditionally and stores nothing new."""
from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawling import REPO
from tests.demosite import build_site, serve
from tests.seaweed import REGION, free_ports

pytestmark = pytest.mark.timeout(900)


class Scrapyd:
    """`make scrapyd` in its own process group, on a free port, in a temporary home."""

    def __init__(self, home: Path, port: int, env: dict):
        self.home, self.port = home, port
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(home.parent / "scrapyd.out", "w")
        self.proc = subprocess.Popen(["make", "-s", "scrapyd", f"SCRAPYD_HOME={home}"], cwd=REPO,
                                     env={**os.environ, **env, "SCRAPYD_HTTP_PORT": str(port)},
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("scrapyd did not start: " + self.output())
            time.sleep(0.3)

    def output(self) -> str:
        self.log.flush()
        return (self.home.parent / "scrapyd.out").read_text()[-3000:]

    def get(self, path: str, **params) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}/{path}{query}", timeout=10) as resp:
            return json.loads(resp.read())

    def post(self, path: str, data: list[tuple[str, str]]) -> dict:
        body = urllib.parse.urlencode(data).encode()
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/{path}", data=body), timeout=10) as resp:
            return json.loads(resp.read())

    def wait_finished(self, job: str, timeout: float = 400) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.get("listjobs.json", project="newsarchive")
            done = [j for j in jobs["finished"] if j["id"] == job]
            if done:
                return done[0]
            time.sleep(1)
        raise AssertionError(f"job {job} did not finish: {jobs}\n{self.output()}")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.log.close()


def s3_env(sw) -> dict:
    return {"AWS_ENDPOINT_URL": sw.endpoint, "AWS_ACCESS_KEY_ID": sw.access_key,
            "AWS_SECRET_ACCESS_KEY": sw.secret_key, "AWS_DEFAULT_REGION": REGION}


def archive_json(sw, *args):
    proc = subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "PYTHONPATH": str(REPO), **s3_env(sw)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def report_of(sw, bucket: str, row: dict) -> dict:
    key = f"news/crawls/{row['crawl_id']}.json"
    return json.loads(sw.client().get_object(Bucket=bucket, Key=key)["Body"].read())


def keys(sw, bucket: str) -> set[str]:
    pages = sw.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {obj["Key"] for page in pages for obj in page.get("Contents", ())}


@pytest.fixture(scope="module")
def deployed(seaweed, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scrapyd")
    # Credentials reach the crawls from scrapyd's environment only, never from the egg or the job.
    server = Scrapyd(tmp / "home", free_ports(1)[0], s3_env(seaweed))
    try:
        deploy = subprocess.run(["make", "-s", "deploy", f"SCRAPYD_URL={server.url}/"], cwd=REPO,
                                capture_output=True, text=True, timeout=300)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        response = json.loads(deploy.stdout[deploy.stdout.index("{"):])
        assert response["status"] == "ok" and response["spiders"] >= 2, response
        yield server, response["version"]
    finally:
        server.stop()
    assert not (REPO / "setup.py").exists() or "setup.py" in subprocess.run(
        ["git", "check-ignore", "setup.py", "build", "newsarchive.egg-info"], cwd=REPO, capture_output=True,
        text=True).stdout


def test_deployed_project_lists_its_spiders(deployed):
    server, version = deployed
    assert "newsarchive" in server.get("listprojects.json")["projects"]
    assert version in server.get("listversions.json", project="newsarchive")["versions"]
    assert {"news", "commonspace"} <= set(server.get("listspiders.json", project="newsarchive")["spiders"])


def news_job(base_url: str, jobkey: str, uri: str, **settings) -> list[tuple[str, str]]:
    """schedule.json's form for a `news` crawl of the demo site into ``uri``, with these settings."""
    settings = {"ARCHIVE_URI": uri, "AUTOTHROTTLE_ENABLED": 0, "CONTACT_URL": "http://127.0.0.1/contact", **settings}
    return ([("project", "newsarchive"), ("spider", "news"), ("start_urls", base_url + "/"), ("jobkey", jobkey)]
            + [("setting", f"{name}={value}") for name, value in settings.items()])


def test_scheduled_crawl_then_conditional_recrawl(deployed, seaweed):
    server, version = deployed
    bucket = seaweed.new_bucket("scrapyd")
    uri = f"s3://{bucket}/news"
    site = build_site(variant=0)
    with serve(site, port=0) as demo:
        job_args = news_job(demo.base_url, "demo", uri, DOWNLOAD_DELAY=0, DOWNLOAD_MAXSIZE=1000000)
        first = server.post("schedule.json", job_args)
        assert first["status"] == "ok", first
        server.wait_finished(first["jobid"])
        before = keys(seaweed, bucket)
        first_log = list(demo.request_log)
        demo.clear_requests()

        second = server.post("schedule.json", job_args)
        server.wait_finished(second["jobid"])
        second_log = list(demo.request_log)

    # The job's JOBDIR and spool are the schedule's (jobkey), under scrapyd's ./jobs; a finished
    # crawl leaves no Scrapy state there, so the next run is a recrawl, not a resumption.
    jobdir = server.home / "jobs" / "demo"
    assert (jobdir / "archive-spool").is_dir() and not (jobdir / "requests.done").exists()

    crawls = json.loads(archive_json(seaweed, "--archive", uri, "crawls", "--json"))
    assert [c["job"] for c in crawls] == [second["jobid"], first["jobid"]], server.output()
    recrawl, crawl = crawls
    assert all(c["project"] == "newsarchive" and c["job_version"] == version and c["finish_reason"] == "finished"
               for c in crawls), crawls

    # The first crawl archived every article of the site.
    docs = [json.loads(line) for line in archive_json(seaweed, "--archive", uri, "export").splitlines()]
    seen = {urlsplit(u).path for d in docs for u in [d["url"], *d["aliases"]]}
    assert not [p for p in site.article_paths() if p not in seen]
    assert crawl["new"] == len(docs) and crawl["not_modified"] == 0
    assert not [r for r in first_log if r.get("if_none_match")], "nothing was conditional the first time"

    # The recrawl: a conditional request for every article, each answered 304. Every article URL
    # fetched before is asked again, unless the sitemap's <lastmod> predates our fetch of it.
    fetched_before = {path_of(v["url"]) for d in docs for v in d["versions"]}
    known = {path_of(u) for d in docs for u in [d["url"], *d["aliases"]]}
    conditional = {r["path"] for r in second_log if r.get("if_none_match")}
    skipped = report_of(seaweed, bucket, recrawl)["counts"].get("archive/skipped/sitemap_lastmod", 0)
    assert conditional <= known and len(conditional) + skipped >= len(fetched_before)
    unasked = [d["url"] for d in docs if not {path_of(u) for u in [d["url"], *d["aliases"]]} & conditional]
    assert not unasked, unasked
    not_modified = [r for r in second_log if r["status"] == 304]
    assert len(not_modified) == len([r for r in second_log if r.get("if_none_match")]) == recrawl["not_modified"]
    assert recrawl["articles"] == 0 and recrawl["new"] == recrawl["version"] == 0
    # ...while home and listing pages were fetched in full again.
    assert any(r["path"] == "/" and r["status"] == 200 and not r.get("if_none_match") for r in second_log)

    # It stored its report, its WARC file, the WARC's CDXJ and the index/warcs/ segment naming
    # that CDXJ, and nothing else: no blob, no document, no listing or validators segment, no
    # originals file (objects created in the bucket between the two crawls, and the PUTs the report
    # counted before its own).
    report = report_of(seaweed, bucket, recrawl)
    added = keys(seaweed, bucket) - before
    warc_name = f"{recrawl['crawl_id']}-00001"
    assert sorted(added) == sorted([f"news/crawls/{recrawl['crawl_id']}.json", f"news/warc/{warc_name}.warc.gz",
                                    f"news/warc/{warc_name}.cdxj", *(
        k for k in added if k.startswith("news/index/warcs/") and k.endswith(f"-{warc_name}.json"))]), sorted(added)
    assert len(added) == 4, sorted(added)
    assert report["counts"].get("archive/blobs_new", 0) == 0
    assert report["counts"]["archive/validators_written"] == 0
    # (the report counts the requests made before it was written)
    assert report["requests"].get("PUT", 0) == len(added) - 1 == 3, (report["requests"], sorted(added))
    print(f"recrawl: {len(conditional)} conditional requests, {len(not_modified)} answered 304, {skipped} skipped "
          f"by sitemap lastmod, "
          f"{report['requests'].get('PUT', 0)} PUTs before its report, {len(added)} objects created "
          f"({sorted(k.rsplit('/', 1)[-1] for k in added)}), store requests {report['requests']}; "
          f"first crawl: {crawl['pages']} pages, {crawl['articles']} articles")

    # The documents were not written, yet `archive export` has the recrawl's last_seen for
    # every document a 304 confirmed.
    client = seaweed.client()
    stored = {d["id"]: json.loads(client.get_object(Bucket=bucket, Key=f"news/docs/{d['id']}.json")["Body"].read())
              for d in docs}
    confirmed = [d for d in docs if d["last_seen"] >= recrawl["started_at"]]
    assert confirmed and all(stored[d["id"]]["last_seen"] < recrawl["started_at"] for d in docs)
    assert {path_of(u) for d in confirmed for u in [d["url"], *d["aliases"]]} >= conditional

    # Each 304 is a WARC revisit record with the server-not-modified profile.
    warc_key = next(k for k in added if k.endswith(".warc.gz"))
    data = seaweed.client().get_object(Bucket=bucket, Key=warc_key)["Body"].read()
    revisits = [r for r in ArchiveIterator(io.BytesIO(data)) if r.rec_type == "revisit" and
                r.rec_headers.get_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"]
    assert len(revisits) == len(not_modified)
    assert all(r.http_headers.get_statuscode() == "304" for r in revisits)
    assert all(r.rec_headers.get_header("WARC-Refers-To-Date") for r in revisits)
    seaweed.drop_bucket(bucket)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_killed_job_resumes_when_scheduled_again(deployed, seaweed):
    """A job stopped mid-crawl (scrapyd's cancel.json: SIGINT, then SIGKILL as a restart of the
    machine would) resumes when it is scheduled again with the same job key: its JOBDIR and spool
    are the schedule's, not the job's. The archive ends with every article once, nothing twice,
    and the pages done before a stop are not fetched again."""
    server, _ = deployed
    bucket = seaweed.new_bucket("resume")
    uri = f"s3://{bucket}/news"
    site = build_site(variant=0)
    with serve(site, port=0) as demo:
        # A slow crawl: one request at a time, 0.2 s apart, documents written every 4.
        job_args = news_job(demo.base_url, "resume", uri, DOWNLOAD_DELAY=0.2, RANDOMIZE_DOWNLOAD_DELAY=0,
                            CONCURRENT_REQUESTS=1, ARCHIVE_WARMUP_PAGES=12, ARCHIVE_INDEX_FLUSH_EVERY=4)
        done_file = server.home / "jobs" / "resume" / "requests.done"

        def done() -> list[str]:
            return done_file.read_text().split() if done_file.exists() else []

        runs, per_run = [], []
        for signal_name, stop_after in (("INT", 30), ("KILL", 30)):
            start, done_before = len(demo.requests), len(done())
            job = server.post("schedule.json", job_args)["jobid"]
            # Stopped once it has fetched 30 pages and some were filed (recorded as done).
            wait_for(lambda: len(demo.requests) >= start + stop_after and len(done()) >= done_before + 4, 240,
                     f"{stop_after} requests of job {job}")
            cancelled = server.post("cancel.json", [("project", "newsarchive"), ("job", job), ("signal", signal_name)])
            assert cancelled["prevstate"] == "running", cancelled
            server.wait_finished(job)
            runs.append((job, len(demo.requests) - start))
            per_run.append(list(demo.requests[start:]))
            # Stopped, not finished: the job's Scrapy state stays for the next run.
            assert done_file.exists(), server.output()
        done_at_kill = set(done())
        job = server.post("schedule.json", job_args)["jobid"]
        server.wait_finished(job)
        runs.append((job, len(demo.requests) - sum(n for _, n in runs)))
        served = list(demo.requests)
        per_run.append(served[sum(len(r) for r in per_run):])

    crawls = json.loads(archive_json(seaweed, "--archive", uri, "crawls", "--json"))
    reasons = {c["job"]: c["finish_reason"] for c in crawls}
    # The SIGINT run wrote its report ("shutdown"); the SIGKILL run could not; the last finished.
    assert reasons == {runs[0][0]: "shutdown", runs[2][0]: "finished"}, (reasons, runs)
    assert not (server.home / "jobs" / "resume" / "requests.done").exists(), "a finished job starts afresh"

    docs = [json.loads(line) for line in archive_json(seaweed, "--archive", uri, "export").splitlines()]
    for art in site.articles:   # no page lost, none twice
        holders = [d for d in docs if any(urlsplit(u).path == art["path"] for u in [d["url"], *d["aliases"]])]
        assert len(holders) == 1, (art["path"], [d["id"] for d in holders])
    assert all(len(d["versions"]) == 1 for d in docs), [d["url"] for d in docs if len(d["versions"]) > 1]
    originals = {a["path"] for a in site.articles if not a["republished_of"]}
    assert originals <= {urlsplit(d["url"]).path for d in docs}
    archive_json(seaweed, "--archive", uri, "verify")
    again = {p: n for p, n in Counter(served).items() if n > 1}
    print(f"resume: requests per run {[n for _, n in runs]}, {len(served)} in all, {len(set(served))} distinct, "
          f"fetched again {again}; {len(docs)} documents")
    # Resumed, not restarted: after the SIGINT (a clean stop: every page fetched was filed and
    # Scrapy saved its queue) no article page fetched before is fetched again; after the SIGKILL
    # none that was recorded as done (filed) before it died, only those it had not filed yet.
    from scrapy import Request
    from scrapy.utils.request import RequestFingerprinter
    fingerprint = RequestFingerprinter()
    article_urls = {path_of(u) for d in docs for u in [d["url"], *d["aliases"]]}
    assert not (set(per_run[0]) & set(per_run[1]) & article_urls)
    start_pages = {"/", "/robots.txt", "/sitemap.xml"}   # asked again by every run (dont_filter)
    refetched_done = [p for p in set(per_run[2]) - start_pages
                      if fingerprint.fingerprint(Request(demo.base_url + p)).hex() in done_at_kill]
    assert not refetched_done, refetched_done
    refetched = set(per_run[1]) & set(per_run[2]) & article_urls
    print(f"resume: article pages fetched again after SIGINT 0, after SIGKILL {len(refetched)} "
          f"(of {len(set(per_run[1]) & article_urls)} it fetched); {len(done_at_kill)} pages done at the SIGKILL")
    seaweed.drop_bucket(bucket)


def test_egg_as_the_dockerfile_builds_it(tmp_path):
    """`scrapyd-deploy --build-egg` (deploy/Dockerfile's first stage): the egg holds the project,
    not its tests, and declares the settings entry point scrapyd's runner looks up."""
    import zipfile

    egg = tmp_path / "newsarchive.egg"
    proc = subprocess.run([str(Path(sys.executable).parent / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(egg) as z:
        names = z.namelist()
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert "[scrapy]" in entry_points and "settings = crawler.settings" in entry_points
    assert "crawler/spiders/news.py" in names and "archive/validators.py" in names
    assert not [n for n in names if n.startswith("tests/")]
    ignored = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=REPO, capture_output=True,
                             text=True).stdout
    assert "setup.py" not in ignored and "egg-info" not in ignored and "build/" not in ignored


def test_compose_schedules_check():
    from tests.crawling import archive_cmd

    code, out, err = archive_cmd("schedule", "check", "deploy/schedules.compose.toml")
    assert code == 0, err
    compose = (REPO / "deploy" / "docker-compose.yml").read_text()
    for service in ("s3:", "scrapyd:", "scheduler:"):
        assert f"\n  {service}" in compose
    assert "schedules.compose.toml:/etc/newsarchive/schedules.toml" in compose


def test_scheduler_against_the_real_scrapyd(deployed, tmp_path):
    """`archive schedule`'s scheduler posting to the real scrapyd: a run skipped while the one it
    posted is pending or running (listjobs.json), and a crawl that fetched nothing shows as
    failed in scrapyd's job log."""
    from datetime import datetime, timezone

    from archive import schedule as sched
    from tests.test_monitoring import dead_port

    server, _ = deployed
    s = sched.Schedule(name="unreachable", spider="news", cron="*/5 * * * *", nodes=[server.url],
                       args={"start_urls": f"http://127.0.0.1:{dead_port()}/"},
                       settings={"ARCHIVE_URI": str(tmp_path / "archive"), "RETRY_TIMES": "0"})
    state = sched.State(tmp_path / "state.sqlite")
    scheduler = sched.Scheduler([s], state)

    def at(minute):
        return datetime(2026, 3, 2, 10, minute, tzinfo=timezone.utc)

    scheduler.tick(at(1))
    scheduler.tick(at(5))
    job = state.get("unreachable")["last_job"]
    scheduler.tick(at(10))             # at once: the job is still pending or running
    assert [d["action"] for d in state.decisions()] == ["start", "posted", "skip"]
    server.wait_finished(job)
    scheduler.tick(at(15))
    assert [d["action"] for d in state.decisions()][-1] == "posted"
    log = (server.home / "logs" / "newsarchive" / "news" / f"{job}.log").read_text()
    assert "failed: failed_nothing_fetched" in log and "`scrapy crawl` exits 1" in log
    server.wait_finished(state.get("unreachable")["last_job"])
