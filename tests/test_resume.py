"""A crawl killed with SIGKILL mid-way and restarted with the same JOBDIR archives every
article exactly once, and `archive verify` is clean."""
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from tests.crawling import REPO, TEST_SETTINGS, archive_cmd, export, scrapy_crawl
from tests.demosite import build_site, serve


def test_sigkill_then_resume_with_jobdir(tmp_path):
    site = build_site(variant=0)
    archive_dir, jobdir = tmp_path / "archive", tmp_path / "job"
    with serve(site, port=0) as server:
        start = server.base_url + "/"
        # Slow enough to kill it mid-way: one request at a time, 50 ms apart.
        settings = {**TEST_SETTINGS, "ARCHIVE_URI": str(archive_dir), "JOBDIR": str(jobdir),
                    "DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS": "1",
                    "ARCHIVE_WARMUP_PAGES": "12", "ARCHIVE_INDEX_FLUSH_EVERY": "4"}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={start}"]
        for k, v in settings.items():
            cmd += ["-s", f"{k}={v}"]
        proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        def docs_written():
            return (archive_dir / "docs").exists() and next((archive_dir / "docs").glob("*.json"), None)
        # Killed mid-way: after 70 requests and once some documents are written (on a loaded
        # machine the worker processes may file the first pages later than 70 requests in).
        while (len(server.requests) < 70 or not docs_written()) and time.monotonic() < deadline \
                and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = len(server.requests)
        assert (jobdir / "requests.done").exists()
        first_docs = len(list((archive_dir / "docs").glob("*.json"))) if (archive_dir / "docs").exists() else 0

        proc2 = scrapy_crawl("news", start, str(archive_dir), settings={"JOBDIR": str(jobdir), "ARCHIVE_WARMUP_PAGES": "12",
                                                                    "ARCHIVE_INDEX_FLUSH_EVERY": "4"})
    assert "Crawl " in proc2.stderr
    docs = export(str(archive_dir))
    originals = [a for a in site.articles if not a["republished_of"]]
    for art in site.articles:
        holders = [d for d in docs if any(urlsplit(u).path == art["path"] for u in [d["url"], *d["aliases"]])]
        assert len(holders) == 1, (art["path"], len(holders))
    assert len([d for d in docs if urlsplit(d["url"]).path in {a["path"] for a in originals}]) == len(originals)
    assert all(len(d["versions"]) == 1 for d in docs)
    code, out, err = archive_cmd("--archive", str(archive_dir), "verify")
    assert code == 0, out + err
    assert killed_at >= 70 and 0 < first_docs, "killed after some documents were written"
