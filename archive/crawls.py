"""Crawl reports for monitoring: how a crawl ended, and the summary ``archive crawls`` prints.

A crawl that fetched nothing, or failed on most of what it tried, did not "finish": its report
says why (``finish_reason``), ``scrapy crawl`` exits non-zero and ``archive crawls`` marks it.
"""
from __future__ import annotations

import json
from typing import Iterator

from .store import KeyNotFound

FINISHED = "finished"
# The crawl fetched no page at all (DNS failure, every connection refused, nothing but errors).
FAILED_NOTHING_FETCHED = "failed_nothing_fetched"
# More pages failed (after Scrapy's retries) than were fetched.
FAILED_MOST_PAGES = "failed_most_pages"
# Article pages could not be filed: they wait in the spool for a store that stopped answering
# (the next crawl or `archive flush` files them; nothing is lost, but the archive is incomplete).
FAILED_STORE = "failed_store_unavailable"
FAILURES = (FAILED_NOTHING_FETCHED, FAILED_MOST_PAGES, FAILED_STORE)
# Stopped from outside (scrapyd cancel, SIGTERM): resumable, not judged on what it fetched.
STOPPED = ("shutdown", "cancelled")

DECISIONS = ("new", "version", "alias", "unchanged")


def _sum(counts: dict, prefix: str) -> int:
    return sum(v for k, v in counts.items() if k.startswith(prefix) and isinstance(v, (int, float)))


def fetched_pages(counts: dict) -> int:
    """Pages that answered: HTML pages parsed plus conditional requests answered 304."""
    return int(counts.get("archive/pages", 0)) + int(counts.get("archive/not_modified", 0))


def final_reason(reason: str | None, counts: dict) -> str:
    """The crawl's finish reason: Scrapy's, unless the crawl failed (see FAILURES)."""
    reason = reason or FINISHED
    if reason in STOPPED:
        return reason
    fetched, errors = fetched_pages(counts), _sum(counts, "archive/error/")
    if fetched == 0:
        return FAILED_NOTHING_FETCHED
    if errors > fetched:
        return FAILED_MOST_PAGES
    if counts.get("archive/spool/pages_waiting", 0):
        return FAILED_STORE
    return reason


def failed(report: dict) -> bool:
    return report.get("finish_reason") in FAILURES


def summary(report: dict) -> dict:
    """One line of ``archive crawls``: the figures a person checks first."""
    c = report.get("counts") or {}
    job = report.get("job") or {}
    row = {
        "crawl_id": report.get("crawl_id"),
        "spider": report.get("spider"),
        "job": job.get("id"),
        "project": job.get("project"),
        "job_version": job.get("version"),   # the deployed egg (not the "version" decisions)
        "started_at": report.get("started_at"),
        "elapsed_seconds": report.get("elapsed_seconds"),
        "pages": c.get("archive/pages", 0),
        "articles": c.get("archive/articles", 0),
    }
    for name in DECISIONS:
        row[name] = c.get(f"archive/decision/{name}", 0)
    row["not_modified"] = c.get("archive/not_modified", 0)
    row["errors"] = _sum(c, "archive/error/")
    row["finish_reason"] = report.get("finish_reason")
    row["failed"] = failed(report)
    return row


def report_keys(archive) -> list[str]:
    """Keys of the crawl reports, oldest first (crawl ids start with their UTC start time)."""
    return sorted(k for k in archive.store.list("crawls/") if k.endswith(".json"))


def iter_summaries(archive, limit: int | None = None) -> Iterator[dict]:
    """Summaries of the newest ``limit`` crawl reports (all when None), newest first; reads only
    those reports."""
    keys = report_keys(archive)[::-1]
    if limit is not None:
        keys = keys[:limit]
    for key in keys:
        try:
            yield summary(json.loads(archive.store.get(key)))
        except KeyNotFound:
            continue
