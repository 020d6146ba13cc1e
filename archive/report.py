"""The crawl report (``crawls/<crawl-id>.json``): settings, counts, store requests, decisions."""
from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime, timezone

from .crawls import final_reason


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_crawl_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def crawl_report(*, crawl_id: str, spider: str | None, archive_uri: str, started_at: str, elapsed: float,
                 reason: str, settings: dict, counts: dict, requests: Counter, warc_files: list,
                 decisions: list[dict], new_documents: int, job: dict | None = None,
                 damaged_documents=()) -> dict:
    requests = dict(sorted(requests.items()))
    new_docs = new_documents
    return {
        "crawl_id": crawl_id,
        "spider": spider,
        "archive": archive_uri,
        "started_at": started_at,
        "finished_at": utcnow(),
        "elapsed_seconds": round(elapsed, 3),
        "finish_reason": final_reason(reason, counts),   # failed_* when it fetched nothing...
        "job": job,                                       # the scrapyd job: id, project, version
        "settings": settings,
        "counts": dict(sorted(counts.items())),
        "requests": requests,
        "puts_per_new_document": round(requests.get("PUT", 0) / new_docs, 2) if new_docs else None,
        "warc_files": warc_files,
        "damaged_documents": list(damaged_documents),   # skipped: for `archive verify` and a person
        "decisions": decisions,
    }
