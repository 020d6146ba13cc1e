"""Decisions: what an extracted, cleaned article means for the archive.

new        no document holds this article yet
alias      an existing document: the same article at another URL (URL layer or simhash + text)
version    an existing document whose own text changed (a page at its canonical URL)
unchanged  an existing document, same text (or a known alias URL)

Candidates for the same article at an unknown URL come from the near-duplicate index (simhash
within ``k`` bits) and are confirmed on the texts (shingle containment), so two statements that
share a long template never merge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .fingerprint import shingles
from .neardup import NearDupIndex

NEW, ALIAS, VERSION, UNCHANGED = "new", "alias", "version", "unchanged"
ACTIONS = (NEW, ALIAS, VERSION, UNCHANGED)

NEAR_K = 6                 # simhash candidates up to this many bits apart...
MIN_CONTAINMENT = 0.8      # ...are the same article if this share of the shorter text's shingles is shared
MAX_CANDIDATES = 5


@dataclass
class Decision:
    action: str
    doc_id: str
    url: str
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"action": self.action, "doc_id": self.doc_id, "url": self.url, **self.evidence}


def overlap(a: str, b: str) -> dict:
    """Shingle containment (shared / smaller set) and Jaccard of two texts."""
    sa, sb = set(shingles(a)), set(shingles(b))
    if not sa or not sb:
        return {"containment": 0.0, "jaccard": 0.0}
    shared = len(sa & sb)
    return {"containment": round(shared / min(len(sa), len(sb)), 4),
            "jaccard": round(shared / len(sa | sb), 4)}


def same_article(a: str, b: str) -> tuple[bool, dict]:
    ov = overlap(a, b)
    return ov["containment"] >= MIN_CONTAINMENT, ov


class UrlIndex:
    """Every URL (canonical and alias) known for each document, its canonical URL, and the
    digest and simhash of its latest text."""

    def __init__(self):
        self._by_url: dict[str, str] = {}
        self.doc_url: dict[str, str] = {}
        self.latest_sha: dict[str, str] = {}
        self.latest_fp: dict[str, int] = {}

    def add(self, doc_id: str, *urls: str) -> None:
        for url in urls:
            if url:
                self._by_url.setdefault(url, doc_id)

    def lookup(self, *urls: str) -> str | None:
        for url in urls:
            doc_id = self._by_url.get(url)
            if doc_id:
                return doc_id
        return None

    def set_latest(self, doc_id: str, url: str, sha: str, fp: int) -> None:
        self.doc_url[doc_id] = url
        self.latest_sha[doc_id] = sha
        self.latest_fp[doc_id] = fp
        self.add(doc_id, url)

    @classmethod
    def from_listing(cls, listing: dict[str, dict]) -> "UrlIndex":
        index = cls()
        for doc_id, entry in listing.items():
            index.add(doc_id, entry.get("url"), *(entry.get("aliases") or ()), *(entry.get("alias_keys") or ()))
            if entry.get("text_sha256"):
                index.set_latest(doc_id, entry["url"], entry["text_sha256"], int(entry.get("simhash") or "0", 16))
        return index


class Deduplicator:
    """The decision layers over the URL index and the near-duplicate index."""

    def __init__(self, urls: UrlIndex, near: NearDupIndex, load_text: Callable[[str], str]):
        self.urls = urls
        self.near = near
        self.load_text = load_text

    def decide(self, *, canonical: str, fetched_key: str, text: str, text_sha: str, fp: int,
               new_id: str) -> Decision:
        doc_id = self.urls.lookup(canonical, fetched_key)
        if doc_id is not None:
            latest = self.urls.latest_sha.get(doc_id)
            distance = (fp ^ self.urls.latest_fp.get(doc_id, fp)).bit_count()
            if latest == text_sha:
                return Decision(UNCHANGED, doc_id, canonical, {"layer": "url", "distance": 0})
            if self.urls.doc_url.get(doc_id) == canonical:
                return Decision(VERSION, doc_id, canonical, {"layer": "url", "distance": distance})
            # A known alias URL (a republished copy) never makes a version of the document.
            return Decision(UNCHANGED, doc_id, canonical, {"layer": "url-alias", "distance": distance})
        tried = []
        for cand, distance in self.near.query(fp)[:MAX_CANDIDATES]:
            same, ov = same_article(text, self.load_text(cand))
            if same:
                return Decision(ALIAS, cand, canonical, {"layer": "simhash", "distance": distance, **ov})
            tried.append({"doc_id": cand, "distance": distance, **ov})
        evidence = {"layer": "none"}
        if tried:
            evidence["rejected"] = tried
        return Decision(NEW, new_id, canonical, evidence)
