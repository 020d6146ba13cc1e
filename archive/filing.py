"""Filing: what a cleaned page's decision does to the documents.

A mixin of :class:`archive.session.CrawlSession`, which provides ``dedup``, ``batch`` (the
crawl's :class:`~archive.documents.DocumentBatch`), ``listing``, ``urls``, ``counts``,
``decisions``, ``crawl_id``, ``archive``, ``_table(site)`` and the per-crawl maps ``_base``,
``_best``, ``_filed``, ``_seen``. Everything here runs under the session's lock.

Rules, each independent of the order pages arrive in:
- of one crawl's copies of an article (``/news/x``, ``/index.php/news/x``, ``?utm_`` copies, a
  redirect, a syndicated copy), the best ranked (:meth:`Filing._rank`) sets the document's text;
- that text makes a version only if it is an *edit* of the text the document had before the
  crawl (:meth:`Filing._is_edit`); so a crawl adds at most one version to a document, and a
  version made by a lesser copy is taken back when a better one shows it was not an edit;
- versions of earlier crawls are never rewritten;
- at the end, the best pages are cleaned again with the final block tables and decided again.
"""
from __future__ import annotations

import logging

from .archive import ArchiveError, blob_key, doc_id_for, listing_entry
from .dedup import ALIAS, NEW, UNCHANGED, VERSION, Decision, anchor_hashes, same_article
from .documents import METADATA_FIELDS
from .fingerprint import simhash64, simhash_hex, text_sha256
from .report import utcnow
from .teasers import SITE_MAX_WORDS, SITE_MIN_PAGES, WORD_RE, SiteBlocks, block_hash, clean
from .store import StoreError
from .urls import canonical_url

logger = logging.getLogger(__name__)

RECLEAN_LIMIT = 5000        # documents per crawl whose raw blocks are kept for the final re-clean
BASE_FIELDS = ("text", "removed", "title", "published", "site", *METADATA_FIELDS)


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


def base_of(doc: dict) -> dict:
    """What a document was before this crawl touched it: enough to take a version back."""
    return {**{k: doc.get(k) for k in BASE_FIELDS if k in doc}, "text": doc.get("text") or "",
            "n_versions": len(doc["versions"])}


def restore(doc: dict, base: dict) -> None:
    for name in BASE_FIELDS:
        if name in base:
            doc[name] = base[name]


def apply_page(doc: dict, page: dict, cleaned) -> None:
    """The page's text and metadata become the document's (its latest version is the page's)."""
    doc["text"] = cleaned.text
    doc["removed"] = removed_record(cleaned.removed)
    for name in ("title", "published", "site", *METADATA_FIELDS):
        if page["article"].get(name):
            doc[name] = page["article"][name]


def only_teasers_differ(old: list[str], new: list[str], *, key: str, table: SiteBlocks) -> bool:
    """Whether two texts of one article differ only in teasers or boilerplate, with evidence in
    proportion to that claim: every differing block is the title or lead of another article the
    site table knows, or a short block found on at least ``SITE_MIN_PAGES`` other pages. A block
    also found on one other page (a shared background paragraph) is not enough: removing it is
    an edit."""
    sizes = {block_hash(b): len(WORD_RE.findall(b)) for b in (*old, *new)}
    diff = {block_hash(b) for b in old} ^ {block_hash(b) for b in new}
    if not diff:
        return False

    def teaser_like(h):
        other = table.titles.get(h) or table.leads.get(h)
        if other is not None and other != key:
            return True
        return table.freq.get(h, 0) - 1 >= SITE_MIN_PAGES and sizes[h] < SITE_MAX_WORDS

    return all(teaser_like(h) for h in diff)


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

    # -- filing a page ----------------------------------------------------------------------
    def _file(self, page: dict) -> Decision:
        article, fetched = page["article"], page["url"]
        cleaned = self._clean(page)
        text = cleaned.text
        sha, fp = self._fingerprint(page, cleaned)
        decision = self.dedup.decide(canonical=page["canonical"], fetched_key=canonical_url(fetched), text=text,
                                     text_sha=sha, fp=fp, new_id=doc_id_for(page["canonical"]),
                                     blocks=cleaned.blocks)
        if decision.evidence.get("canonical_rejected"):
            # Its declared canonical holds another article: the page is filed under its own URL.
            page["canonical"] = decision.url
            self.counts["archive/canonical_rejected"] += 1
        version = self._version_record(page, sha, fp)
        if decision.action == NEW:
            self._store_blob(page)   # blobs before the documents that name them
            doc = new_document(decision.doc_id, page["canonical"], article, version, text, cleaned.removed)
            self._add_urls(doc, page)
            self.batch.add_new(doc)
            self._base[doc["id"]] = None
            self._best[doc["id"]] = self._rank(page, None)
            self._mark_seen(doc, page)
            self._keep_for_reclean(doc["id"], page)
            self._touch(doc)
        else:
            self._file_into(self._doc(decision.doc_id), decision, page, cleaned, version)
        self._count_removed(cleaned.removed)
        self.counts[f"archive/decision/{decision.action}"] += 1
        self.decisions.append(decision.to_dict())
        return decision

    @staticmethod
    def _fingerprint(page: dict, cleaned) -> tuple[str, int]:
        """text_sha256 and simhash of a page's cleaned text: the worker's (of the whole text) when
        cleaning removed nothing, the ones computed when the page was filed if cleaning again gave
        the same text (the final re-clean mostly does), else computed here."""
        text = cleaned.text
        known = page.get("_fingerprint")
        if known is not None and known[0] == text:
            return known[1], known[2]
        hint = page["article"].get("fingerprint")   # of the whole text, from the worker that extracted it
        if hint and len(cleaned.blocks) == len(page["blocks"]):   # nothing removed: that text
            sha, fp = hint["text_sha256"], int(hint["simhash"], 16)
        else:
            sha, fp = text_sha256(text), simhash64(text)
        page["_fingerprint"] = (text, sha, fp)
        return sha, fp

    def _version_record(self, page: dict, sha: str, fp: int) -> dict:
        version = {
            "fetched_at": page.get("fetched_at") or utcnow(),
            "url": page["url"],
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
        return version

    @staticmethod
    def _page_keys(page: dict) -> list[str]:
        """The URLs a page answers for: as fetched, and every redirect that led to it."""
        return [canonical_url(u) for u in [page["url"], *(page.get("redirects") or ())]]

    def _rank(self, page: dict, doc_url: str | None) -> tuple:
        """Which of a crawl's copies of one article speaks for it (lowest first), whatever the
        order they came in: the one at the document's own address, then one at its declared
        canonical, then the shortest URL."""
        keys = self._page_keys(page)
        return (0 if doc_url in keys else 1, 0 if page["canonical"] in keys else 1,
                len(page["canonical"]), page["canonical"], len(keys[0]), keys[0], len(page["url"]), page["url"],
                page.get("body_sha256") or "")   # the same URL fetched twice: still one winner

    def _add_urls(self, doc: dict, page: dict) -> bool:
        """Every URL the page was seen under joins the document's aliases (redirect sources too)."""
        known = {doc["url"], *doc.get("aliases", ())}
        added = False
        for url in (page["url"], page["canonical"], *(page.get("redirects") or ())):
            if url and url not in known:
                doc.setdefault("aliases", []).append(url)
                known.add(url)
                added = True
        return added

    def _keep_for_reclean(self, doc_id: str, page: dict) -> None:
        if doc_id in self._filed or len(self._filed) < RECLEAN_LIMIT:
            self._filed[doc_id] = page

    def _file_into(self, doc: dict, decision: Decision, page: dict, cleaned, version: dict) -> None:
        """A page of an existing document. Of this crawl's copies of it, the best ranked sets its
        text; that text makes a version only if it is an edit of the text the document had before
        this crawl. So one crawl adds at most one version, whatever order its copies came in."""
        doc_id = doc["id"]
        if doc_id not in self._base:
            self._base[doc_id] = self._base_for(doc)
        added = self._add_urls(doc, page)
        seen = self._mark_seen(doc, page)
        created_here = self._base[doc_id] is None
        rank = self._rank(page, None if created_here else doc["url"])
        best = self._best.get(doc_id)
        if best is not None and best <= rank:   # a lesser copy of an article already filed in this crawl
            decision.evidence["copy_of_better_page"] = True
            decision.action = ALIAS if added else UNCHANGED
            if added:
                self._touch(doc)
            elif seen:
                self._touch_quietly(doc)
            return
        self._best[doc_id] = rank
        self._keep_for_reclean(doc_id, page)
        decision.action = UNCHANGED
        changed = self._set_crawl_text(doc, page, cleaned, version, decision)
        if decision.action != VERSION and added:
            decision.action = ALIAS
        if added or changed:
            self._touch(doc)
        elif seen:
            self._touch_quietly(doc)

    def _base_for(self, doc: dict) -> dict | None:
        """The document as it was before this crawl: None if this crawl made it. The earlier runs
        of the same crawl that this one continues (``continues``: a job stopped and resumed from its
        JOBDIR) count as this crawl, so a resumed crawl files its copies, URLs and versions as one
        uninterrupted run would: the document made by a stopped run still takes the best copy's
        URL, and a copy it meets again replaces that run's text instead of making a version."""
        versions = doc["versions"]
        n, k = len(versions), 0
        while k < n and versions[n - 1 - k].get("crawl_id") in self.continues:
            k += 1
        if k:   # the stopped run's best copy, the one its latest version was fetched as, ranks first
            latest = versions[-1]
            copy = {"url": latest.get("url") or doc["url"], "canonical": doc["url"],
                    "body_sha256": latest.get("body_sha256")}
            self._best.setdefault(doc["id"], self._rank(copy, None if k == n else doc["url"]))
        if k == n:
            return None
        base = base_of(doc)
        if k:   # before the stopped runs' version: its text (kept per version), count and URL
            base["n_versions"] = n - k
            try:
                base["text"] = self.archive.version_text(doc, n - k)
            except ArchiveError:   # not kept (archived before version texts were): the stopped run's
                logger.warning("%s: the text before the stopped run's version is not kept", doc["id"])
        return base

    def _set_crawl_text(self, doc: dict, page: dict, cleaned, version: dict, decision: Decision | None) -> bool:
        """Make the document's text this page's (the best of the crawl); returns whether it changed.

        Created in this crawl: the text is replaced in place. Otherwise a version of this crawl is
        added, replaced or taken back, depending on whether the text is an edit of the earlier one."""
        doc_id = doc["id"]
        base = self._base.get(doc_id)
        text = cleaned.text
        mine = len(doc["versions"]) > (base["n_versions"] if base else 0)   # a version of this crawl exists
        if base is None:   # made in this crawl: it takes the best copy's URL and text
            moved = page["canonical"] != doc["url"]
            if moved:
                self._move_url(doc, page["canonical"])
            if doc["text"] == text and doc["versions"][-1].get("body_sha256") == version["body_sha256"]:
                return moved
            self._replace_latest(doc, page, cleaned, version)
            return True
        edit, why = self._is_edit(base, doc, page, cleaned, decision)
        if decision is not None:
            decision.evidence["edit"] = why
        if not edit:
            if decision is not None:
                if why == "teasers-only":
                    decision.evidence["layer"] = "url-teasers-only"
            if mine:   # an earlier copy of this crawl had made one: taken back
                doc["versions"].pop()
                restore(doc, base)
                self.counts["archive/versions_taken_back"] += 1
                return True
            return False
        if mine:   # a lesser copy made this crawl's version: the better one's fetch replaces it
            if decision is not None:
                decision.evidence["replaces_version_of_this_crawl"] = True
            if doc["text"] == text and doc["versions"][-1].get("body_sha256") == version["body_sha256"]:
                return False
            self._replace_latest(doc, page, cleaned, version)
            return True
        self._store_blob(page)
        doc["versions"].append(version)
        apply_page(doc, page, cleaned)
        if decision is not None:
            decision.action = VERSION
        return True

    def _is_edit(self, base: dict, doc: dict, page: dict, cleaned, decision) -> tuple[bool, str]:
        """Whether a text is an edit of the document's earlier one: it differs, not only in blocks
        that are teasers or boilerplate of the site, and it is the same article (a page at the
        document's own address may also be rewritten whole)."""
        text = cleaned.text
        if text == base["text"]:
            return False, "same-text"
        old = base["text"].split("\n") if base["text"] else []
        if only_teasers_differ(old, cleaned.blocks, key=page["canonical"], table=self._table(page["site"])):
            return False, "teasers-only"
        at_home = doc["url"] in self._page_keys(page)
        if not at_home and not same_article(text, base["text"])[0]:
            return False, "not-the-same-article"
        return True, "edit"

    def _replace_latest(self, doc: dict, page: dict, cleaned, version: dict) -> None:
        """The latest version (of this crawl) becomes this page's fetch and text."""
        if doc["versions"][-1].get("body_sha256") != version["body_sha256"]:
            self._store_blob(page)
        doc["versions"][-1] = version
        apply_page(doc, page, cleaned)

    def _move_url(self, doc: dict, url: str) -> None:
        """A document made in this crawl takes the better copy's URL; the old one is an alias."""
        old = doc["url"]
        aliases = [a for a in doc.get("aliases", ()) if a != url]
        doc["url"] = url
        doc["aliases"] = aliases + ([old] if old not in aliases else [])
        self.urls.add(doc["id"], url)

    def _mark_seen(self, doc: dict, page: dict) -> bool:
        """``last_seen`` once per crawl, and back from gone; returns whether the document changed."""
        if doc["id"] in self._seen:
            return False
        self._seen.add(doc["id"])
        doc["last_seen"] = page.get("fetched_at") or utcnow()
        doc.pop("gone_since", None)
        doc.pop("gone_status", None)
        return True

    # -- the end of a crawl ----------------------------------------------------------------
    def _reclean(self) -> None:
        """Clean this crawl's best pages again with the final block tables, and decide again.
        A document whose new decision needs a body that can no longer be stored (the store
        failed, or the body left the spool) keeps the decision taken during the crawl."""
        for n, (doc_id, page) in enumerate(self._filed.items(), 1):   # in doc-id order, read back from disk
            if n % 500 == 0:
                self.batch.evict_written()   # the documents it read and left unchanged need not stay
            try:
                doc = self._doc(doc_id)
                cleaned = self._clean(page)
                version = self._version_record(page, *self._fingerprint(page, cleaned))
                changed = self._set_crawl_text(doc, page, cleaned, version, None)
            except (ArchiveError, StoreError) as exc:
                self.counts["archive/reclean_skipped"] += 1
                logger.info("Not cleaned again: %s (%s)", doc_id, exc)
                continue
            if changed:
                self._touch(doc)
                self.counts["archive/teasers/documents_recleaned"] += 1

    def mark_gone(self, url: str, status: int, fetched_at: str | None = None) -> None:
        """A URL answered 404/410: its document, if any, is marked ``gone_since`` at the end of
        the crawl (unless another of its URLs answered); never deleted."""
        with self._lock:
            self._gone.append((url, status, fetched_at or utcnow()))

    def _apply_gone(self) -> None:
        for url, status, when in self._gone:
            doc_id = self.urls.lookup(url, canonical_url(url))
            if doc_id is None or doc_id in self._seen:
                continue
            try:
                doc = self._doc(doc_id)
            except ArchiveError:
                continue
            if not doc.get("gone_since"):
                doc["gone_since"], doc["gone_status"] = when, status
                self.counts["archive/documents_gone"] += 1
                self._touch_quietly(doc)

    # -- bookkeeping -----------------------------------------------------------------------
    def _touch(self, doc: dict) -> None:
        self.batch.mark_dirty(doc["id"])
        self._remember(doc)

    def _touch_quietly(self, doc: dict) -> None:
        """Only ``last_seen`` or ``gone_since`` changed: the document is written (its listing
        entry follows its rev once written), nothing is decided again."""
        self.batch.mark_dirty(doc["id"])

    def _count_removed(self, removed: list[dict]) -> None:
        if removed:
            self.counts["archive/teasers/pages_cleaned"] += 1
            self.counts["archive/teasers/blocks_removed"] += len(removed)

    def _remember(self, doc: dict) -> None:
        entry = self._remember_listing(doc)
        self.dedup.remember(doc["id"], doc["url"], entry["text_sha256"], int(entry["simhash"], 16),
                            [int(h, 16) for h in entry["anchors"]])

    def _anchors(self, text: str) -> list[str]:
        """A text's anchor hashes; a document is remembered when touched and again when written,
        mostly with the same text, so the last few thousand texts' anchors are kept."""
        cache = self.__dict__.setdefault("_anchor_cache", {})
        anchors = cache.get(text)
        if anchors is None:
            if len(cache) >= 1024:
                cache.clear()
            anchors = cache[text] = [f"{h:016x}" for h in anchor_hashes(text.split("\n") if text else [])]
        return list(anchors)

    def _remember_listing(self, doc: dict) -> dict:
        entry = listing_entry(doc)
        entry["alias_keys"] = sorted({canonical_url(a) for a in doc.get("aliases", ())} - {doc["url"]})
        entry["anchors"] = self._anchors(doc.get("text") or "")
        self._changed_entries[doc["id"]] = entry
        self.urls.add(doc["id"], *doc.get("aliases", ()), *entry["alias_keys"])
        self.urls.set_latest(doc["id"], doc["url"], entry["text_sha256"], int(entry["simhash"], 16))
        return entry
