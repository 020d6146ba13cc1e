"""Filing: what a cleaned page's decision does to the documents.

A mixin of :class:`archive.session.CrawlSession`, which provides ``dedup``, ``batch`` (the
crawl's :class:`~archive.documents.DocumentBatch`), ``listing``, ``urls``, ``counts``,
``decisions``, ``crawl_id``, ``archive`` and ``_table(site)``. Everything here runs under the
session's lock.
"""
from __future__ import annotations

from .archive import ArchiveError, blob_key, doc_id_for, listing_entry
from .dedup import ALIAS, NEW, UNCHANGED, VERSION, Decision, anchor_hashes
from .documents import METADATA_FIELDS
from .fingerprint import simhash64, simhash_hex, text_sha256
from .report import utcnow
from .teasers import clean, teaser_only_change
from .urls import canonical_url

RECLEAN_LIMIT = 5000        # documents per crawl whose raw blocks are kept for the final re-clean


def removed_record(removed: list[dict]) -> dict:
    """What cleaning took out of a text: count, the teased articles, and the blocks by reason."""
    teasers = {}
    for r in removed:
        if r.get("teaser_of"):
            entry = teasers.setdefault(r["teaser_of"], {"url": r["teaser_of"], "title": None})
            if r["why"] == "teaser_title" or r.get("title"):
                entry["title"] = entry["title"] or r.get("title") or r["text"]
    return {"count": len(removed), "teasers": list(teasers.values()), "blocks": removed}


def new_document(doc_id, canonical, article, version, text, removed) -> dict:
    doc = {
        "id": doc_id,
        "url": canonical,
        "aliases": [],
        "title": article.get("title"),
        "text": text,
        "published": article.get("published"),
        "site": article.get("site"),
    }
    doc.update({k: article.get(k) for k in METADATA_FIELDS})
    doc["first_seen"] = version["fetched_at"]
    doc["removed"] = removed_record(removed)
    doc["versions"] = [version]
    doc["rev"] = 0
    return doc


class Filing:
    def _doc(self, doc_id: str) -> dict:
        return self.batch.get(doc_id)

    def _doc_text(self, doc_id: str) -> str:
        return self._doc(doc_id).get("text") or ""

    def _clean(self, page: dict):
        return clean(page["blocks"], title=page["article"].get("title"), key=page["canonical"],
                     table=self._table(page["site"]), dom_removed=page["article"].get("removed"))

    def _store_blob(self, page: dict) -> None:
        """The page's body as a blob (once per distinct bytes), before any document names it."""
        sha = page["body_sha256"]
        try:
            data = self.spool.body_path(sha).read_bytes()
        except FileNotFoundError:
            if self.archive.store.exists(blob_key(sha)):
                return
            raise ArchiveError(f"the body of {page['url']} is neither spooled nor stored") from None
        ref = self.archive.put_blob_gz(sha, page.get("body_size") or 0, data)
        if ref.new:
            self.counts["archive/blobs_new"] += 1
            self.counts["archive/bytes_stored"] += ref.stored_size
        else:
            self.counts["archive/blobs_existing"] += 1

    def _file(self, page: dict) -> Decision:
        article, fetched, canonical = page["article"], page["url"], page["canonical"]
        cleaned = self._clean(page)
        text = cleaned.text
        sha, fp = text_sha256(text), simhash64(text)
        decision = self.dedup.decide(canonical=canonical, fetched_key=canonical_url(fetched), text=text,
                                     text_sha=sha, fp=fp, new_id=doc_id_for(canonical), blocks=cleaned.blocks)
        if decision.action == VERSION:
            doc = self._doc(decision.doc_id)
            old = doc["text"].split("\n") if doc["text"] else []
            if teaser_only_change(old, cleaned.blocks, key=canonical, table=self._table(page["site"])):
                # Only teasers differ (leaked into one text, learned since): no new version. The
                # stored text is replaced in place when the new one is the cleaner of the two.
                decision.action = UNCHANGED
                decision.evidence["layer"] = "url-teasers-only"
                if set(cleaned.blocks) < set(old):
                    self._set_text(doc, text, cleaned.removed, sha, fp)
                    self.counts["archive/teasers/documents_recleaned"] += 1
        version = {
            "fetched_at": page.get("fetched_at") or utcnow(),
            "url": fetched,
            "text_sha256": sha,
            "simhash": simhash_hex(fp),
            "blob": blob_key(page["body_sha256"]),
            "body_sha256": page["body_sha256"],
            "status": page.get("status"),
            "content_type": page.get("content_type"),
            "crawl_id": self.crawl_id,
        }
        if page.get("warc"):
            version["warc"] = page["warc"]
        if decision.action in (NEW, VERSION):
            self._store_blob(page)   # blobs before the documents that name them
        if decision.action == NEW:
            doc = new_document(decision.doc_id, canonical, article, version, text, cleaned.removed)
            if fetched != canonical:
                doc["aliases"].append(fetched)
            self.batch.add_new(doc)
            self._touch(doc)
        else:
            self._apply(self._doc(decision.doc_id), decision, page, version, text, cleaned.removed)
        if decision.action in (NEW, VERSION) and len(self._filed) < RECLEAN_LIMIT:
            self._filed[decision.doc_id] = page
        self._count_removed(cleaned.removed)
        self.counts[f"archive/decision/{decision.action}"] += 1
        self.decisions.append(decision.to_dict())
        return decision

    def _apply(self, doc: dict, decision: Decision, page: dict, version: dict, text: str, removed) -> None:
        """Apply a decision on an existing document; an unknown URL turns 'unchanged' into 'alias'."""
        changed = False
        known = {doc["url"], *doc.get("aliases", ())}
        for url in (page["url"], page["canonical"]):
            if url not in known:
                doc.setdefault("aliases", []).append(url)
                known.add(url)
                changed = True
        if decision.action == VERSION:
            doc["versions"].append(version)
            doc["text"] = text
            doc["removed"] = removed_record(removed)
            for name in ("title", "published", "site", *METADATA_FIELDS):
                if page["article"].get(name):
                    doc[name] = page["article"][name]
            changed = True
        elif decision.action == UNCHANGED and changed:
            decision.action = ALIAS
        if changed:
            self._touch(doc)

    def _set_text(self, doc: dict, text: str, removed: list[dict], sha: str, fp: int) -> None:
        """Replace the latest version's text in place (a better cleaning of the same fetch)."""
        doc["text"] = text
        doc["removed"] = removed_record(removed)
        doc["versions"][-1].update(text_sha256=sha, simhash=simhash_hex(fp))
        self._touch(doc)

    def _reclean(self) -> None:
        """Clean the texts filed in this crawl again with the final block tables."""
        for doc_id, page in self._filed.items():
            cleaned = self._clean(page)
            doc = self._doc(doc_id)
            if cleaned.text == doc["text"] or doc["versions"][-1]["crawl_id"] != self.crawl_id:
                continue
            sha, fp = text_sha256(cleaned.text), simhash64(cleaned.text)
            versions = doc["versions"]
            if len(versions) > 1 and versions[-2]["text_sha256"] == sha:
                versions.pop()   # the "change" was a teaser the table had not learned yet
                self.counts["archive/teasers/versions_dropped"] += 1
            self._set_text(doc, cleaned.text, cleaned.removed, sha, fp)
            self.counts["archive/teasers/documents_recleaned"] += 1

    def _touch(self, doc: dict) -> None:
        self.batch.mark_dirty(doc["id"])
        self._remember(doc)

    def _count_removed(self, removed: list[dict]) -> None:
        if removed:
            self.counts["archive/teasers/pages_cleaned"] += 1
            self.counts["archive/teasers/blocks_removed"] += len(removed)

    def _remember(self, doc: dict) -> None:
        entry = self._remember_listing(doc)
        self.dedup.remember(doc["id"], doc["url"], entry["text_sha256"], int(entry["simhash"], 16),
                            [int(h, 16) for h in entry["anchors"]])

    def _remember_listing(self, doc: dict) -> dict:
        entry = listing_entry(doc)
        entry["alias_keys"] = sorted({canonical_url(a) for a in doc.get("aliases", ())} - {doc["url"]})
        entry["anchors"] = [f"{h:016x}" for h in anchor_hashes(doc["text"].split("\n") if doc.get("text") else [])]
        self.listing[doc["id"]] = entry
        self._changed_entries[doc["id"]] = entry
        self.urls.add(doc["id"], *doc.get("aliases", ()), *entry["alias_keys"])
        self.urls.set_latest(doc["id"], doc["url"], entry["text_sha256"], int(entry["simhash"], 16))
        return entry
