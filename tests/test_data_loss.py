"""Issue 9, "data loss and rewriting": each way of losing or rewriting what was archived,
reproduced on a throwaway archive through the library's real path (CrawlSession)."""
import json
import threading

import pytest

from archive.archive import Archive, doc_id_for, doc_key
from archive.session import CrawlSession
from archive.store import LocalStore
from tests.test_archive_cli import TEXT, ingest, page

VOCABULARY = ("river treaty minister farmer quota harbour railway election budget school hospital court "
              "festival museum bridge council strike vaccine drought forest mayor union export tariff "
              "pension rector theatre airport border census tunnel reactor refinery orchard glacier").split()


def story(n: int, extra: list[str] = ()) -> str:
    """A distinct article of five paragraphs (seeded words), so simhash and shingles tell them apart."""
    import random
    rnd = random.Random(n)
    blocks = [" ".join(rnd.choice(VOCABULARY) for _ in range(24)).capitalize() + "." for _ in range(5)]
    return "\n".join([*blocks, *extra])


@pytest.fixture
def archive(tmp_path):
    return Archive.open(str(tmp_path / "arch"), create=True)


# 1 ---------------------------------------------------------------------------------------
class HookedStore(LocalStore):
    """A real local store that runs a callback in the middle of a document write."""
    during_doc_write = None

    def put_if_absent(self, key, data, **o):
        hook = self.during_doc_write
        if hook and key.startswith("docs/"):
            self.during_doc_write = None
            hook()
        return super().put_if_absent(key, data, **o)


def test_a_change_made_during_its_documents_write_is_written_before_it_is_reported_safe(tmp_path):
    store = HookedStore(tmp_path / "arch")
    store.create()
    archive = Archive(store)
    filed = []
    s = CrawlSession(archive, warmup_pages=0, spool_dir=tmp_path / "spool", on_filed=lambda p: filed.append(p["url"]))
    ingest(s, page("http://site.test/news/talks"))
    alias = "http://site.test/index.php/news/talks"
    store.during_doc_write = lambda: ingest(s, page(alias))     # another thread files an alias mid-PUT
    s.flush()
    doc = json.loads(store.get(doc_key(doc_id_for("http://site.test/news/talks"))))
    if alias in filed:
        assert alias in doc["aliases"], "the alias was reported safe but is not in the stored document"
    s.finish()
    doc = archive.find("http://site.test/news/talks")
    assert doc["aliases"] == [alias]
    assert alias in filed


# 2 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("declared", ["http://site.test/", "/", "http://site.test/news"])
def test_a_canonical_pointing_at_the_home_page_or_a_listing_does_not_merge_articles(archive, declared):
    s = CrawlSession(archive, warmup_pages=0)
    for n in range(5):
        ingest(s, page(f"http://site.test/news/story-{n}", text=story(n), title=f"Story {n}", canonical=declared))
    s.finish()
    docs = list(archive.iter_documents())
    assert sorted(d["url"] for d in docs) == [f"http://site.test/news/story-{n}" for n in range(5)]
    assert all(len(d["versions"]) == 1 for d in docs)


def test_a_canonical_to_another_article_is_ignored_when_the_texts_differ(archive):
    s = CrawlSession(archive, warmup_pages=0)
    ingest(s, page("http://site.test/news/a", text=story(1), title="A"))
    ingest(s, page("http://site.test/news/b", text=story(2), title="B", canonical="/news/a"))
    s.finish()
    docs = {d["url"]: d for d in archive.iter_documents()}
    assert set(docs) == {"http://site.test/news/a", "http://site.test/news/b"}
    assert len(docs["http://site.test/news/a"]["versions"]) == 1


# 3 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("redirected", [False, True])
def test_a_slug_change_with_an_edit_makes_a_version_and_later_edits_too(archive, redirected):
    old, new = "http://site.test/news/old-slug", "http://site.test/news/new-slug"
    s = CrawlSession(archive, warmup_pages=0)
    ingest(s, page(old, text=story(1)))
    s.finish()
    s = CrawlSession(archive, warmup_pages=0)
    p = page(new, text=story(1, ["The ministers added a clause on drought years."]), title="Talks, updated")
    if redirected:
        p["redirects"] = [old]
    ingest(s, p)
    s.finish()
    docs = list(archive.iter_documents())
    assert len(docs) == 1
    doc = docs[0]
    assert len(doc["versions"]) == 2 and doc["text"].endswith("drought years.")
    assert doc["title"] == "Talks, updated"
    assert new in [doc["url"], *doc["aliases"]] and old in [doc["url"], *doc["aliases"]]
    s = CrawlSession(archive, warmup_pages=0)
    ingest(s, page(new, text=story(1, ["The ministers added a clause on drought years.", "A third edit."])))
    s.finish()
    doc = archive.load_document(doc["id"])
    assert len(doc["versions"]) == 3 and doc["text"].endswith("A third edit.")


def test_redirect_sources_are_aliases(archive):
    s = CrawlSession(archive, warmup_pages=0)
    p = page("http://site.test/news/talks")
    p["redirects"] = ["http://site.test/go/123", "http://site.test/news/talks-old"]
    ingest(s, p)
    s.finish()
    doc = archive.find("http://site.test/news/talks")
    assert set(doc["aliases"]) == {"http://site.test/go/123", "http://site.test/news/talks-old"}
    assert archive.find("http://site.test/go/123")["id"] == doc["id"]


# 4 ---------------------------------------------------------------------------------------
def test_removing_a_paragraph_shared_with_one_other_article_is_an_edit_and_the_old_text_stays(archive):
    background = "Background: the treaty of 1961 shares the river's flow equally between the two states."
    s = CrawlSession(archive, warmup_pages=0)
    ingest(s, page("http://site.test/news/a", text=story(1, [background]), title="A"))
    ingest(s, page("http://site.test/news/b", text=story(2, [background]), title="B"))
    s.finish()
    first = archive.find("http://site.test/news/a")
    s = CrawlSession(archive, warmup_pages=0)
    d = ingest(s, page("http://site.test/news/a", text=story(1), title="A"))
    s.finish()
    doc = archive.find("http://site.test/news/a")
    assert d.action == "version", d.to_dict()
    assert len(doc["versions"]) == 2 and background not in doc["text"]
    assert doc["versions"][0]["text_sha256"] == first["versions"][0]["text_sha256"], "the old version is untouched"
    assert archive.version_text(doc, 1) == first["text"], "the previous text stays retrievable"


# 5 ---------------------------------------------------------------------------------------
def test_a_damaged_document_is_reported_and_skipped_and_the_rest_is_written(archive):
    s = CrawlSession(archive, warmup_pages=0)
    d = ingest(s, page("http://site.test/news/talks"))
    s.finish()
    archive.store.put(doc_key(d.doc_id), b"{broken")
    s = CrawlSession(archive, warmup_pages=10)          # all held back: filed during finish()
    ingest(s, page("http://site.test/news/talks", text=TEXT + " Edited."))
    for n in range(5):
        ingest(s, page(f"http://site.test/news/new-{n}", text=story(n), title=f"New {n}"))
    report = s.finish()
    urls = {json.loads(archive.store.get(k))["url"] for k in archive.store.list("docs/")
            if k != doc_key(d.doc_id)}
    assert urls == {f"http://site.test/news/new-{n}" for n in range(5)}
    assert s.crawl_id in {r["crawl_id"] for r in archive.iter_reports()}, "the crawl report is saved"
    assert report["counts"]["archive/error/damaged_document"] == 1
    assert report["damaged_documents"] == [d.doc_id]


# 6 ---------------------------------------------------------------------------------------
def test_two_crawls_never_share_a_spool_by_accident(tmp_path, monkeypatch):
    from archive.spool import default_spool   # what the crawler's pipeline uses
    monkeypatch.chdir(tmp_path)
    a, b = default_spool({}, "crawl-a"), default_spool({}, "crawl-b")
    assert a != b
    assert default_spool({"JOBDIR": "job"}, "x") == default_spool({"JOBDIR": "job"}, "y"), "a resumed job shares"


def test_a_shared_spool_is_locked_while_a_crawl_uses_it(archive, tmp_path):
    spool = tmp_path / "spool"
    first = CrawlSession(archive, warmup_pages=10, spool_dir=spool)
    ingest(first, page("http://site.test/news/talks"))     # held back: its body is only in the spool
    from archive.spool import SpoolBusy
    with pytest.raises(SpoolBusy):
        CrawlSession(archive, spool_dir=spool).replay_spool()
    first.finish()
    assert archive.find("http://site.test/news/talks")["versions"][0]["blob"]
    assert archive.store.exists(archive.find("http://site.test/news/talks")["versions"][0]["blob"])
    CrawlSession(archive, spool_dir=spool).finish()         # free again once the first has finished


# History -----------------------------------------------------------------------------------
def test_every_version_is_shown_and_diffed_through_the_cli(archive, capsys):
    from archive.cli import main
    url = "http://site.test/news/talks"
    texts = [story(7), story(7, ["A sentence added later."]), story(7, ["A sentence added later.", "And one more."])]
    for n, text in enumerate(texts):
        s = CrawlSession(archive, warmup_pages=0)
        p = page(url, text=text)
        p["fetched_at"] = f"2026-01-0{n + 1}T10:00:00Z"
        ingest(s, p)
        s.finish()
    doc = archive.find(url)
    assert len(doc["versions"]) == 3 and doc["last_seen"] == "2026-01-03T10:00:00Z"
    for n, text in enumerate(texts, 1):
        assert main(["--archive", archive.uri, "show", doc["id"], "--version", str(n)]) == 0
        out = capsys.readouterr().out
        assert out.split("\n", 1)[1].rstrip("\n") == text and f"version {n} of 3" in out
    assert main(["--archive", archive.uri, "diff", doc["id"]]) == 0
    out = capsys.readouterr().out
    assert "+And one more." in out and "A sentence added later." in out and "version 2" in out
    assert not any(line.startswith("-") and not line.startswith("---") for line in out.splitlines())
    assert main(["--archive", archive.uri, "diff", url, "1", "3"]) == 0
    out = capsys.readouterr().out
    assert "+A sentence added later." in out and "+And one more." in out
    assert main(["--archive", archive.uri, "show", doc["id"], "--version", "4"]) == 1
    assert "versions 1 to 3" in capsys.readouterr().err


def test_gone_articles_are_flagged_never_deleted_and_cleared_when_back(archive):
    url = "http://site.test/news/talks"
    s = CrawlSession(archive, warmup_pages=0)
    ingest(s, page(url, text=story(3)))
    s.finish()
    s = CrawlSession(archive, warmup_pages=0)
    s.mark_gone(url, 404, "2026-02-01T00:00:00Z")
    report = s.finish()
    doc = archive.find(url)
    assert doc["gone_since"] == "2026-02-01T00:00:00Z" and doc["gone_status"] == 404 and doc["text"]
    assert report["counts"]["archive/documents_gone"] == 1
    s = CrawlSession(archive, warmup_pages=0)
    s.mark_gone(url, 410, "2026-03-01T00:00:00Z")   # still gone: the first date stays
    s.finish()
    assert archive.find(url)["gone_since"] == "2026-02-01T00:00:00Z"
    s = CrawlSession(archive, warmup_pages=0)
    p = page(url, text=story(3))
    p["fetched_at"] = "2026-04-01T00:00:00Z"
    ingest(s, p)
    s.finish()
    doc = archive.find(url)
    assert "gone_since" not in doc and doc["last_seen"] == "2026-04-01T00:00:00Z" and len(doc["versions"]) == 1


# Issue 7 parts 4-5: order-independent documents, versions only for edits -------------------
def copies(variant: int = 0):
    """One article fetched under three URLs in one crawl; each copy shows other teaser lines
    the cleaner cannot know (they appear on no other page), as a leaked card would."""
    body = story(11)
    base = "http://site.test"
    return [page(f"{base}/news/x", text=body + f"\nTeaser line {variant} seen only on the plain copy today."),
            page(f"{base}/index.php/news/x", text=body + f"\nAnother teaser {variant} of the front-controller copy."),
            page(f"{base}/amp/news/x", text=body + f"\nAMP copy teaser {variant} unlike the others here.")]


def crawl_in_order(archive, pages):
    s = CrawlSession(archive, warmup_pages=0)
    for p in pages:
        ingest(s, p)
    s.finish()
    docs = list(archive.iter_documents())
    return [(d["url"], sorted(d["aliases"]), d["text"], [archive.version_text(d, n + 1) for n in range(len(d["versions"]))])
            for d in sorted(docs, key=lambda d: d["url"])]


def test_copies_in_one_crawl_make_one_version_whatever_their_order(tmp_path):
    orders = [[0, 1, 2], [2, 1, 0], [1, 2, 0]]
    results = []
    for n, order in enumerate(orders):
        archive = Archive.open(str(tmp_path / f"a{n}"), create=True)
        results.append(crawl_in_order(archive, [copies()[i] for i in order]))
    assert results[0] == results[1] == results[2]
    (url, aliases, text, versions), = results[0]
    assert url == "http://site.test/news/x" and len(versions) == 1
    assert aliases == ["http://site.test/amp/news/x", "http://site.test/index.php/news/x"]
    assert text.endswith("seen only on the plain copy today."), "the copy at the article's own URL speaks for it"


def test_a_recrawl_with_other_teasers_in_its_copies_makes_no_version(tmp_path):
    for n, order in enumerate([[0, 1, 2], [2, 1, 0]]):
        archive = Archive.open(str(tmp_path / f"a{n}"), create=True)
        crawl_in_order(archive, copies(0))
        again = crawl_in_order(archive, [copies(0)[i] for i in order])
        assert len(again) == 1 and len(again[0][3]) == 1, order


# A crawl stopped and resumed from its JOBDIR is one crawl ------------------------------------
def stopped_then_resumed(archive, first, rest, *, resumed=True):
    """``first`` filed by a run stopped before its end (no re-clean; its report says shutdown),
    then ``rest`` by the run that resumes it (or, ``resumed=False``, by a new crawl)."""
    stopped = CrawlSession(archive, warmup_pages=0)
    for p in first:
        ingest(stopped, p)
    stopped.finish(reason="shutdown")
    s = CrawlSession(archive, warmup_pages=0, continues=[stopped.crawl_id] if resumed else [])
    for p in rest:
        ingest(s, p)
    report = s.finish()
    assert report["resumes"] == ([stopped.crawl_id] if resumed else [])
    docs = list(archive.iter_documents())
    return [(d["url"], sorted(d["aliases"]), d["text"], [archive.version_text(d, n + 1) for n in range(len(d["versions"]))])
            for d in sorted(docs, key=lambda d: d["url"])]


def test_a_resumed_crawl_files_copies_as_one_uninterrupted_crawl(tmp_path):
    """The stopped run met only a lesser copy (AMP, other teasers); the run resuming it meets the
    article's own URL: the document takes that URL and text, with one version, as when one crawl
    fetched all three copies. A new crawl instead keeps the URL it had and makes a version."""
    whole = crawl_in_order(Archive.open(str(tmp_path / "whole"), create=True), copies())
    for n, split in enumerate([2, 1]):   # stopped after the AMP copy / after the index.php copy
        pages = copies()
        first, rest = [pages[split]], [p for i, p in enumerate(pages) if i != split]
        got = stopped_then_resumed(Archive.open(str(tmp_path / f"r{n}"), create=True), first, rest)
        assert got == whole, split
    pages = copies()
    recrawl = stopped_then_resumed(Archive.open(str(tmp_path / "new"), create=True), [pages[2]], pages[:2],
                                   resumed=False)
    (url, _, _, versions), = recrawl
    assert url == "http://site.test/amp/news/x" and len(versions) == 2


def test_a_resumed_crawl_takes_back_a_version_its_stopped_run_made_from_a_lesser_copy(tmp_path):
    """A document of an earlier crawl; the stopped run met a lesser copy whose teaser line made a
    version; the resumed run meets the article's own URL with the earlier text: the version is taken
    back (the text before it is read from the stored version text), and the document is as before."""
    archive = Archive.open(str(tmp_path / "a"), create=True)
    body = story(11)
    crawl_in_order(archive, [page("http://site.test/news/x", text=body)])
    lesser = page("http://site.test/amp/news/x", text=body + "\nA teaser line only the AMP copy shows today.")
    (url, aliases, text, versions), = stopped_then_resumed(archive, [lesser], [page("http://site.test/news/x", text=body)])
    assert url == "http://site.test/news/x" and aliases == ["http://site.test/amp/news/x"]
    assert text == body and versions == [body]
