"""Crawls run as scrapyd jobs: who runs them, and where each job keeps its state.

scrapyd starts ``scrapy crawl SPIDER -a _job=ID [-a arg=...] [-s NAME=VALUE...]`` with
``SCRAPY_PROJECT`` (and ``SCRAPYD_EGG_VERSION`` when a version was asked for) in the environment;
:func:`scrapyd_job` turns that into the ``job`` record of the crawl report.

``ARCHIVE_JOBS_DIR`` (setting, or ``$ARCHIVE_JOBS_DIR``; under scrapyd ``./jobs`` by default)
gives every *job key* its own ``JOBDIR`` and spool: ``ARCHIVE_JOBS_DIR/<key>/`` and
``ARCHIVE_JOBS_DIR/<key>/archive-spool``. The key is the ``jobkey`` spider argument (the scheduler
passes the schedule's name), else the spider name and a digest of its arguments; it is the same
every time the same crawl is scheduled, not scrapyd's job id, so a job killed by a restart resumes
when it is scheduled again. A crawl that ends normally clears Scrapy's state there
(:class:`JobDirCleanup`), so the next scheduled run is a full recrawl, not a resumption; the
spool is kept (it may hold pages waiting for the store).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
from pathlib import Path

from scrapy import signals

logger = logging.getLogger(__name__)

# Arguments that do not change which crawl this is.
_NOT_KEY_ARGS = {"_job", "jobkey"}
_KEY_RE = re.compile(r"[^A-Za-z0-9._-]+")
RUNS = "archive.runs"   # in JOBDIR: crawl ids of the runs of this crawl that did not finish
# What Scrapy keeps in JOBDIR (the dupefilter's done-list, the disk queue, spider state).
SCRAPY_STATE = ("requests.done", "requests.seen", "requests.queue", "requests.running", "spider.state",
                RUNS)
# Reasons after which the JOBDIR is kept for a resumption.
RESUMABLE_REASONS = ("shutdown", "cancelled", "closespider_timeout")


def continued_runs(jobdir) -> list[str]:
    """The crawl ids of the earlier runs of this crawl, stopped before they finished, that a run
    using ``jobdir`` resumes (their documents and versions count as its own; see
    :meth:`archive.filing.Filing._base_for`)."""
    try:
        return Path(jobdir, RUNS).read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return []


def start_run(jobdir, crawl_id: str) -> list[str]:
    """Record ``crawl_id`` as a run of the crawl kept in ``jobdir``; return the runs it resumes.
    Written before the run files anything, so that a SIGKILL leaves it there."""
    earlier = continued_runs(jobdir)
    Path(jobdir).mkdir(parents=True, exist_ok=True)
    path = Path(jobdir, RUNS)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{run}\n" for run in [*earlier, crawl_id]), encoding="utf-8")
    os.replace(tmp, path)
    return earlier


def end_run(jobdir, finish_reason: str) -> None:
    """A run that finished (not stopped for a resumption) ends the crawl: the next run of the
    same JOBDIR is a new crawl."""
    if finish_reason not in RESUMABLE_REASONS:
        Path(jobdir, RUNS).unlink(missing_ok=True)


def scrapyd_job(spider_kwargs: dict, environ=os.environ) -> dict | None:
    """The scrapyd job running this crawl (``id``, ``project``, ``version``), or None."""
    job = spider_kwargs.get("_job") or environ.get("SCRAPY_JOB")
    if not job:
        return None
    return {"id": job, "project": environ.get("SCRAPY_PROJECT"), "version": egg_version(environ)}


def egg_version(environ=os.environ) -> str | None:
    """The deployed version: the one asked for, else the egg scrapyd's runner activated
    (``eggs/<project>/<version>.egg`` on ``sys.path``)."""
    if environ.get("SCRAPYD_EGG_VERSION"):
        return environ["SCRAPYD_EGG_VERSION"]
    project = environ.get("SCRAPY_PROJECT")
    for entry in sys.path:
        path = Path(entry)
        if path.suffix == ".egg" and (project is None or path.parent.name == project):
            return path.stem
    return None


def job_key(spider_name: str, spider_kwargs: dict) -> str:
    if spider_kwargs.get("jobkey"):
        return _KEY_RE.sub("_", str(spider_kwargs["jobkey"])).strip("._") or "job"
    args = {k: str(v) for k, v in spider_kwargs.items() if k not in _NOT_KEY_ARGS}
    digest = hashlib.sha256(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    return f"{spider_name}-{digest}"


def apply_job_settings(settings, spider_name: str, spider_kwargs: dict, environ=os.environ) -> Path | None:
    """Set ``JOBDIR`` and ``ARCHIVE_SPOOL_DIR`` for this job under ``ARCHIVE_JOBS_DIR`` unless
    they were given; return the job's folder (None when no jobs folder applies)."""
    root = settings.get("ARCHIVE_JOBS_DIR")
    if not root and scrapyd_job(spider_kwargs, environ):
        root = "jobs"
    if not root:
        return None
    folder = Path(root) / job_key(spider_name, spider_kwargs)
    if not settings.get("JOBDIR"):
        folder.mkdir(parents=True, exist_ok=True)
        settings.set("JOBDIR", str(folder), priority="spider")
    if not settings.get("ARCHIVE_SPOOL_DIR"):
        settings.set("ARCHIVE_SPOOL_DIR", str(folder / "archive-spool"), priority="spider")
    return folder


class JobDirCleanup:
    """After a crawl that ended normally, remove Scrapy's state from its JOBDIR (when the JOBDIR
    is one this module chose), so the next run of the same job starts afresh. A crawl stopped
    from outside (scrapyd's cancel, a restart) keeps it, and resumes when scheduled again."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        folder = getattr(spider, "job_folder", None)
        if folder is None:
            return
        final = self.crawler.stats.get_value("archive/finish_reason") or reason
        if final in RESUMABLE_REASONS or reason in RESUMABLE_REASONS:
            logger.info("Keeping %s: the next run of this job resumes it (%s)", folder, reason)
            return
        for name in SCRAPY_STATE:
            path = Path(folder, name)
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
