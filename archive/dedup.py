"""Decisions: what an extracted article means for the archive.

new       no document holds this article yet
alias     an existing document, reached at another URL, same text
version   an existing document whose own text changed
unchanged an existing document, same URL, same text
"""
from __future__ import annotations

from dataclasses import dataclass, field

NEW, ALIAS, VERSION, UNCHANGED = "new", "alias", "version", "unchanged"
ACTIONS = (NEW, ALIAS, VERSION, UNCHANGED)


@dataclass
class Decision:
    action: str
    doc_id: str
    url: str
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"action": self.action, "doc_id": self.doc_id, "url": self.url, **self.evidence}


class UrlIndex:
    """Every URL (canonical and alias) known for each document, and the latest text digest."""

    def __init__(self):
        self._by_url: dict[str, str] = {}
        self.latest_sha: dict[str, str] = {}

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

    @classmethod
    def from_listing(cls, listing: dict[str, dict]) -> "UrlIndex":
        index = cls()
        for doc_id, entry in listing.items():
            index.add(doc_id, entry.get("url"), *(entry.get("aliases") or ()))
            if entry.get("text_sha256"):
                index.latest_sha[doc_id] = entry["text_sha256"]
        return index


def decide(index: UrlIndex, *, canonical: str, fetched: str, text_sha: str,
           new_id: str) -> Decision:
    """URL and exact-text layers: the document a page belongs to, and whether its text is new."""
    doc_id = index.lookup(canonical, fetched)
    if doc_id is None:
        return Decision(NEW, new_id, fetched, {"reason": "unknown url"})
    if index.latest_sha.get(doc_id) != text_sha:
        return Decision(VERSION, doc_id, fetched, {"reason": "text changed"})
    if index.lookup(fetched) is None:
        return Decision(ALIAS, doc_id, fetched, {"reason": "same canonical url"})
    return Decision(UNCHANGED, doc_id, fetched, {"reason": "same url, same text"})
