"""The worker-process pool: results, errors, dead and hung workers, shutdown; and the crawl
around it: a crashed page is retried once then counted, SIGTERM and the end of a crawl leave no
worker behind, and the archive does not depend on the number of workers."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import CancelledError
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.workers import WorkerCrashed, WorkerPool, page_work
from tests import pagework
from tests.crawling import REPO, TEST_SETTINGS, export, scrapy_crawl
from tests.demosite import build_site, serve


def alive(pid: int) -> bool:
    """Running (a zombie that nobody reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_gone(pids, timeout=15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


# -- the pool --------------------------------------------------------------------------------
def test_results_errors_and_close():
    with WorkerPool(2) as pool:
        pids = pool.pids()
        assert len(pids) == 2 and all(alive(p) for p in pids)
        assert [f.result(timeout=60) for f in [pool.submit(pagework.square, n) for n in range(20)]] == \
            [n * n for n in range(20)]
        with pytest.raises(ValueError, match="bad input"):
            pool.submit(pagework.fail, "bad input").result(timeout=30)
        assert {pool.submit(pagework.pid).result(timeout=30) for _ in range(10)} <= set(pids)
        assert pool.crashes == 0, "a task's own exception is no crash"
    assert wait_gone(pids, timeout=1) == [], "close() stops every worker process"
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(pagework.square, 2)


def test_killed_worker_task_retried_once_then_fails(tmp_path):
    with WorkerPool(2) as pool:
        first = set(pool.pids())
        # dies on the first try only: the retry on a fresh process succeeds
        pid = pool.submit(pagework.die_once, str(tmp_path / "mark")).result(timeout=60)
        assert pid not in first and pool.crashes == 1
        # dies every time: tried twice, then WorkerCrashed
        with pytest.raises(WorkerCrashed, match="2 times"):
            pool.submit(pagework.die).result(timeout=60)
        assert pool.crashes == 3
        # the pool goes on with fresh processes; no dead one is left running
        assert [f.result(timeout=60) for f in [pool.submit(pagework.square, n) for n in range(6)]] == \
            [0, 1, 4, 9, 16, 25]
        assert len(pool.pids()) == 2 and all(alive(p) for p in pool.pids())
        now = pool.pids()
    assert wait_gone(now, timeout=1) == []


def test_other_tasks_survive_a_crash():
    """Only the dead worker's task is retried; tasks on the other worker are untouched."""
    with WorkerPool(2) as pool:
        slow = [pool.submit(pagework.sleep, 0.3) for _ in range(4)]
        crash = pool.submit(pagework.die)
        assert [f.result(timeout=60) for f in slow] == [0.3] * 4
        with pytest.raises(WorkerCrashed):
            crash.result(timeout=60)


def test_hung_worker_is_killed_and_counted():
    with WorkerPool(1, task_timeout=2) as pool:
        with pytest.raises(WorkerCrashed, match="killed after"):
            pool.submit(pagework.sleep, 30).result(timeout=30)
        assert pool.submit(pagework.square, 3).result(timeout=30) == 9


def test_close_cancels_waiting_tasks_and_stops_running_ones():
    pool = WorkerPool(1)
    pids = pool.pids()
    running = pool.submit(pagework.sleep, 60)
    waiting = [pool.submit(pagework.square, n) for n in range(5)]
    time.sleep(0.5)
    t0 = time.monotonic()
    pool.close(timeout=1)
    assert time.monotonic() - t0 < 8
    assert all(f.cancelled() for f in waiting)
    with pytest.raises((WorkerCrashed, CancelledError)):
        running.result(timeout=10)
    assert wait_gone(pids, timeout=1) == []


def test_page_work_crosses_the_boundary_small():
    """Bytes in, a small record out: links, feeds, the article's fields; never a tree."""
    import pickle

    site = build_site()
    path = site.article_paths()[0]
    _, headers, body = site.render(path, "127.0.0.1:8000")
    with WorkerPool(1) as pool:
        work = pool.submit(page_work, "http://127.0.0.1:8000" + path, body, headers["Content-Type"], ()).result(60)
    assert work == page_work("http://127.0.0.1:8000" + path, body, headers["Content-Type"], ())
    assert work["skip"] is None and work["article"]["title"] == site.article(path)["title"]
    assert "http://127.0.0.1:8000/rss.xml" in work["feeds"]
    assert all(u.startswith("http://127.0.0.1:8000/") for u in work["links"]) and len(work["links"]) > 10
    assert len(pickle.dumps(work)) < 2 * len(body)


def test_workers_do_not_import_scrapy_and_skip_its_ignored_extensions():
    """A worker process runs the page work without Scrapy (23 MB and half a second each): the
    pool hands it the extensions Scrapy's LinkExtractor ignores, and links to them are dropped."""
    body = (b'<html><head><title>T</title></head><body><a href="/report.PDF">pdf</a>'
            b'<a href="/photo.jpg">jpg</a><a href="/news/a">a</a><p>Text.</p></body></html>')
    with WorkerPool(1) as pool:
        work = pool.submit(page_work, "http://127.0.0.1:8000/x", body, "text/html", ()).result(60)
        assert pool.submit(pagework.scrapy_loaded).result(60) is False
    assert work["links"] == ["http://127.0.0.1:8000/news/a"]
    assert work == page_work("http://127.0.0.1:8000/x", body, "text/html", ())


def test_the_workers_fingerprints_are_the_filings_own(tmp_path):
    """The worker fingerprints the whole text; filing uses that only when cleaning kept every
    block, so a document's text_sha256 and simhash are what filing would compute itself."""
    from archive.archive import Archive
    from archive.fingerprint import simhash64, simhash_hex, text_sha256
    from archive.session import CrawlSession

    site = build_site()
    pages = []
    for path in site.article_paths()[:8]:
        _, headers, body = site.render(path, "127.0.0.1:8000")
        work = page_work("http://127.0.0.1:8000" + path, body, headers["Content-Type"], ())
        if work["article"] is not None:
            pages.append(("http://127.0.0.1:8000" + path, body, work["article"]))
    assert len(pages) >= 5
    versions = {}
    for hinted in (True, False):
        archive = Archive.open(str(tmp_path / f"arch-{hinted}"), create=True)
        s = CrawlSession(archive, warmup_pages=0, spool_dir=tmp_path / f"spool-{hinted}")
        for url, body, article in pages:
            article = dict(article) if hinted else {k: v for k, v in article.items() if k != "fingerprint"}
            snap = s.store_snapshot(body, url=url, fetched_at="2026-01-01T00:00:00Z")
            s.ingest({"url": url, "article": article, "body_sha256": snap.sha256, "body_size": snap.size,
                      "fetched_at": "2026-01-01T00:00:00Z"})
        s.finish()
        versions[hinted] = sorted((d["url"], d["versions"][-1]["text_sha256"], d["versions"][-1]["simhash"], d["text"])
                                  for d in archive.iter_documents())
    assert versions[True] == versions[False]
    for _, sha, simhash, text in versions[True]:
        assert sha == text_sha256(text) and simhash == simhash_hex(simhash64(text))


# -- in a crawl ------------------------------------------------------------------------------
def _worker_pids(stderr: str) -> list[int]:
    match = re.search(r"worker processes \(pids \[([\d, ]+)\]\)", stderr)
    assert match, "the crawl logs its worker processes"
    return [int(p) for p in match.group(1).split(",")]


def test_crawl_with_crashing_pages(tmp_path):
    """A page whose worker dies once is retried and archived; one that kills its worker every
    time is counted as an error; the crawl goes on and its workers are gone at the end."""
    site = build_site()
    once, always = site.article_paths()[0], site.article_paths()[1]
    env = {"NEWSARCHIVE_TEST_CRASH_ONCE": once, "NEWSARCHIVE_TEST_CRASH_ALWAYS": always,
           "NEWSARCHIVE_TEST_CRASH_DIR": str(tmp_path)}
    os.environ.update(env)
    try:
        with serve(site, port=0) as server:
            proc = scrapy_crawl("news", server.base_url + "/", str(tmp_path / "archive"),
                                settings={"ARCHIVE_WORKERS": "2", "ARCHIVE_PAGE_WORK": "tests.pagework.page_work"})
            fetched_always = [r for r in server.requests if urlsplit(r).path.removeprefix("/index.php") == always]
    finally:
        for name in env:
            os.environ.pop(name)
    assert (tmp_path / once.strip("/").replace("/", "_")).exists(), "the crash-once page did crash"
    report = json.loads(next((tmp_path / "archive" / "crawls").glob("*.json")).read_text())
    # each URL of that page (/index.php/..., ?utm_...) killed its worker twice, then was counted
    assert fetched_always and report["counts"]["archive/error/worker_crashed"] == len(fetched_always)
    assert re.search(rf"Page work failed for \S+{re.escape(always)}: .*2 times", proc.stderr)
    paths = {urlsplit(u).path for d in export(str(tmp_path / "archive")) for u in [d["url"], *d["aliases"]]}
    assert once in paths, "retried after its worker died, then archived"
    assert always not in paths
    assert set(site.article_paths()) - paths == {always}, "every other article archived"
    assert wait_gone(_worker_pids(proc.stderr)) == [], "no worker outlives the crawl"


def test_sigterm_shuts_the_pool_down(tmp_path):
    site = build_site()
    archive_dir = tmp_path / "archive"
    with serve(site, port=0) as server:
        settings = {**TEST_SETTINGS, "ARCHIVE_URI": str(archive_dir), "ARCHIVE_WORKERS": "2",
                    "ARCHIVE_PAGE_WORK": "tests.pagework.slow_page_work", "CONCURRENT_REQUESTS": "4"}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={server.base_url}/"]
        for k, v in settings.items():
            cmd += ["-s", f"{k}={v}"]
        proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:   # until the workers are up and pages are in flight
            line = proc.stderr.readline()
            lines.append(line)
            if "worker processes (pids" in line:
                break
        while len(server.requests) < 8 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be stopped"
        pids = _worker_pids("".join(lines))
        assert all(alive(p) for p in pids)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()
        proc.wait(timeout=60)
        stopped_in = time.monotonic() - t0
        fetched = len(server.requests)
    # stopped before its end: resumable, not done; `scrapy crawl` says so with its status
    assert proc.returncode == 1, rest[-3000:]
    assert stopped_in < 30
    assert wait_gone(pids) == [], "SIGTERM leaves no worker behind"
    assert fetched < len(site.article_paths()) + 20, "the crawl stopped early"
    assert "Closing spider (shutdown)" in rest
    report = json.loads(next((archive_dir / "crawls").glob("*.json")).read_text())
    assert report["finish_reason"] == "shutdown", "the reason Scrapy closed the spider for, not 'finished'"
    assert "Traceback" not in rest, rest[-3000:]


def _comparable(docs):
    """The archive's content, without what differs between any two crawls (times, ids of
    crawls, WARC offsets)."""
    out = {}
    for d in docs:
        out[d["id"]] = {
            "url": d["url"], "aliases": sorted(d["aliases"]), "title": d["title"], "text": d["text"],
            "published": d["published"], "removed": d["removed"]["count"],
            "versions": [(v["url"], v["text_sha256"], v["simhash"], v["blob"]) for v in d["versions"]],
        }
    return out


def test_one_worker_and_two_build_the_same_archive(tmp_path):
    site = build_site()
    archives = {}
    with serve(site, port=0) as server:
        for workers in ("1", "2"):
            uri = str(tmp_path / f"archive-{workers}")
            proc = scrapy_crawl("news", server.base_url + "/", uri, settings={"ARCHIVE_WORKERS": workers})
            archives[workers] = _comparable(export(uri))
            if workers == "1":
                assert "page work in this process" in proc.stderr
            else:
                assert len(_worker_pids(proc.stderr)) == 2
    assert len(archives["1"]) >= 15
    assert archives["1"] == archives["2"]
    # the report's decision log (streamed to a file during the crawl) holds every decision
    import gzip
    for workers in ("1", "2"):
        arch = tmp_path / f"archive-{workers}"
        report = json.loads(next((arch / "crawls").glob("*.json")).read_text())
        logged = [json.loads(x) for x in gzip.decompress((arch / report["decisions_log"]).read_bytes()).splitlines()]
        decided = sum(v for k, v in report["counts"].items() if k.startswith("archive/decision/"))
        assert len(logged) == report["decisions_count"] == decided > 0
        assert report["decisions"] == logged[:len(report["decisions"])]
