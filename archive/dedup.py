"""Decisions: what an extracted, cleaned article means for the archive.

new        no document holds this article yet
alias      an existing document: the same article at another URL (URL layer or simhash + text)
version    an existing document whose own text changed (a page at its canonical URL)
unchanged  an existing document, same text (or a known alias URL)

Candidates for the same article at an unknown URL come from two indexes: the near-duplicate
index (simhash within ``NEAR_K`` bits), and the article's anchor paragraphs (its longest blocks,
by exact hash), which a one-sentence edit or a changed title leaves in place while it moves the
simhash by 7-13 bits. Candidates are confirmed on the texts (shingle containment and Jaccard),
so two statements that share a long template never merge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .archive import doc_id_for
from .fingerprint import shingles
from .neardup import NearDupIndex
from .teasers import WORD_RE, block_hash, word_count

NEW, ALIAS, VERSION, UNCHANGED = "new", "alias", "version", "unchanged"
ACTIONS = (NEW, ALIAS, VERSION, UNCHANGED)

NEAR_K = 6                 # simhash candidates up to this many bits apart...
NEAR_BLOCKS = NEAR_K + 2   # the catalogue's pigeonhole plan: 8 blocks, 28 bands of 2 blocks (16 bits) each
MIN_CONTAINMENT = 0.7      # ...are the same article if this share of the shorter text's shingles is shared
MIN_JACCARD = 0.5          # ...and this share of both: a text made only of a shared template is not enough
MAX_CANDIDATES = 8
OWN_PARAGRAPHS = 2         # two texts that each have this many paragraphs of their own...
OWN_WORDS = 8              # ...(of at least this many words, not a rewrite of a paragraph of the other)
REWRITE_SHARE = 0.5        # ...(a rewrite keeps this share of its shingles in one paragraph of the other)
ANCHORS = 8                # anchor paragraphs per document: its longest blocks...
ANCHOR_WORDS = 8           # ...of at least this many words


def anchor_hashes(blocks: list[str]) -> list[int]:
    """Hashes of a text's longest blocks: what survives an edit elsewhere in the text."""
    sized = sorted(((word_count(b), i) for i, b in enumerate(blocks)), reverse=True)
    return [block_hash(blocks[i]) for n, i in sized[:ANCHORS] if n >= ANCHOR_WORDS]


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


def own_paragraphs(a: str, b: str) -> int:
    """Paragraphs of text a that text b does not have, neither as they are nor rewritten: blocks
    of at least ``OWN_WORDS`` words found in no block of b, nor sharing ``REWRITE_SHARE`` of
    their shingles with any one block of b (an edited paragraph keeps most of its shingles)."""
    b_blocks = [blk for blk in b.split("\n") if blk.strip()]
    b_hashes = {block_hash(blk) for blk in b_blocks}
    b_sets = None
    n = 0
    for blk in a.split("\n"):
        if len(WORD_RE.findall(blk)) < OWN_WORDS or block_hash(blk) in b_hashes:
            continue
        if b_sets is None:
            b_sets = [set(shingles(x)) for x in b_blocks]
        s = set(shingles(blk))
        if not any(len(s & other) >= REWRITE_SHARE * len(s) for other in b_sets):
            n += 1
    return n


def same_article(a: str, b: str) -> tuple[bool, dict]:
    """Whether two texts are one article: most of the shorter text's shingles shared, and half of
    both; and not two texts that each carry whole paragraphs of their own around shared ones (a
    press office's template around two statements; an article and its syndicated copy differ in
    a title, an edit in one paragraph). Paragraphs, not shingles, carry that second signal: word
    n-grams recur across any site's articles, whole paragraphs do not."""
    ov = overlap(a, b)
    same = ov["containment"] >= MIN_CONTAINMENT and ov["jaccard"] >= MIN_JACCARD
    if same:
        mine, theirs = own_paragraphs(a, b), own_paragraphs(b, a)
        if mine >= OWN_PARAGRAPHS and theirs >= OWN_PARAGRAPHS:
            ov["own_paragraphs"] = [mine, theirs]
            same = False
    return same, ov


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
    """The decision layers over the URL index, the near-duplicate index and the anchor index."""

    def __init__(self, urls: UrlIndex, near: NearDupIndex, load_text: Callable[[str], str],
                 anchors: NearDupIndex | None = None):
        self.urls = urls
        self.near = near
        self.anchors = anchors if anchors is not None else NearDupIndex(k=0)
        self.load_text = load_text

    def remember(self, doc_id: str, url: str, text_sha: str, fp: int, anchors: list[int]) -> None:
        """Make a document's latest text findable: by URL, by simhash, by anchor paragraphs."""
        self.urls.set_latest(doc_id, url, text_sha, fp)
        self.near.add(doc_id, fp)
        for n, h in enumerate(anchors):
            self.anchors.add(f"{doc_id}/{n}", h)
        for n in range(len(anchors), ANCHORS):
            if f"{doc_id}/{n}" in self.anchors:
                self.anchors.remove(f"{doc_id}/{n}")

    def candidates(self, fp: int, blocks: list[str] | None) -> list[tuple[str, int]]:
        """Documents that may hold this text, nearest simhash first."""
        found = dict(self.near.query(fp))
        for h in anchor_hashes(blocks or []):
            for key, _ in self.anchors.query(h):
                doc_id = key.rsplit("/", 1)[0]
                latest = self.urls.latest_fp.get(doc_id)
                found.setdefault(doc_id, 64 if latest is None else (fp ^ latest).bit_count())
        return sorted(found.items(), key=lambda kv: (kv[1], kv[0]))

    def decide(self, *, canonical: str, fetched_key: str, text: str, text_sha: str, fp: int,
               new_id: str, blocks: list[str] | None = None) -> Decision:
        doc_id = self.urls.lookup(canonical, fetched_key)
        if doc_id is not None and canonical != fetched_key and self.urls.lookup(fetched_key) != doc_id \
                and self.urls.latest_sha.get(doc_id) != text_sha:
            # Found only through the page's declared canonical: credible only if it is the same article.
            same, ov = same_article(text, self.load_text(doc_id))
            if not same:
                decision = self.decide(canonical=fetched_key, fetched_key=fetched_key, text=text, text_sha=text_sha,
                                       fp=fp, new_id=doc_id_for(fetched_key), blocks=blocks)
                decision.evidence.update(canonical_rejected=canonical, canonical_overlap=ov)
                return decision
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
        for cand, distance in self.candidates(fp, blocks)[:MAX_CANDIDATES]:
            same, ov = same_article(text, self.load_text(cand))
            if same:
                layer = "simhash" if distance <= self.near.k else "anchors"
                return Decision(ALIAS, cand, canonical, {"layer": layer, "distance": distance, **ov})
            tried.append({"doc_id": cand, "distance": distance, **ov})
        evidence = {"layer": "none"}
        if tried:
            evidence["rejected"] = tried
        return Decision(NEW, new_id, canonical, evidence)
