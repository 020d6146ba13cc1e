"""Helpers for tests that run real crawls: `scrapy crawl` in a subprocess, `archive` in-process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Fast, still polite to a local server: no throttling delays, small size limit.
TEST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONTACT_URL": "http://127.0.0.1/contact",
    "DOWNLOAD_MAXSIZE": "1000000",
    "LOG_LEVEL": "INFO",
    "CLOSESPIDER_TIMEOUT": "240",
}


def scrapy_crawl(spider: str, start_url: str, archive_uri: str, *extra: str, settings=None, timeout=300,
                 check=True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"start_urls={start_url}"]
    for name, value in {**TEST_SETTINGS, "ARCHIVE_URI": archive_uri, **(settings or {})}.items():
        cmd += ["-s", f"{name}={value}"]
    cmd += list(extra)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"scrapy crawl failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def archive_cmd(*args: str) -> tuple[int, str, str]:
    """Run the `archive` command as a user would (its console script's entry point)."""
    proc = subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    return proc.returncode, proc.stdout, proc.stderr


def export(archive_uri: str) -> list[dict]:
    code, out, err = archive_cmd("--archive", archive_uri, "export")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]
