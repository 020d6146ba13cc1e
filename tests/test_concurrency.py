"""Two crawls finishing at the same time on one archive lose nothing: documents are written with
conditional writes and merged on a conflict; the listing is per-crawl segments."""
import threading

import pytest

from archive.archive import Archive
from archive.session import CrawlSession, merge_documents
from tests.test_archive_cli import TEXT, page


@pytest.fixture
def shared(store):
    """The same archive on every backend (local folder and SeaweedFS)."""
    return Archive(store)


def crawl(archive, urls, barrier, texts, fetched_at):
    s = CrawlSession(archive, warmup_pages=0)
    for url in urls:
        p = page(url, text=texts.get(url, TEXT))
        p["fetched_at"] = fetched_at
        snap = s.store_snapshot(p.pop("body"), url=url, fetched_at=p["fetched_at"])
        p.update(blob=snap.blob, body_sha256=snap.sha256, body_size=snap.size)
        s.ingest(p)
    barrier.wait()        # both crawls write their documents and listing at the same moment
    return s.finish()


def test_two_crawls_finishing_together_keep_both_sides(shared):
    first = CrawlSession(shared, warmup_pages=0)
    p = page("http://site.test/news/talks")
    snap = first.store_snapshot(p.pop("body"), url=p["url"], fetched_at=p["fetched_at"])
    p.update(blob=snap.blob, body_sha256=snap.sha256, body_size=snap.size)
    first.ingest(p)
    first.finish()

    barrier = threading.Barrier(2)
    results = {}
    edited = {"http://site.test/news/talks": TEXT + " An edit seen by crawl B."}
    a_urls = ["http://site.test/news/talks?utm_source=a", "http://site.test/news/a-only"]
    b_urls = ["http://site.test/index.php/news/talks", "http://site.test/news/talks", "http://site.test/news/b-only"]
    texts = {"http://site.test/news/a-only": "Story only crawl A saw. " * 30,
             "http://site.test/news/b-only": "Story only crawl B saw. " * 30, **edited}
    threads = [threading.Thread(target=lambda: results.__setitem__("a", crawl(shared, a_urls, barrier, texts, "2026-02-01T10:00:00Z"))),
               threading.Thread(target=lambda: results.__setitem__("b", crawl(shared, b_urls, barrier, texts, "2026-02-01T10:00:05Z")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == {"a", "b"}
    docs = {d["url"]: d for d in shared.iter_documents()}
    assert set(docs) == {"http://site.test/news/talks", "http://site.test/news/a-only", "http://site.test/news/b-only"}
    talks = docs["http://site.test/news/talks"]
    assert set(talks["aliases"]) == {"http://site.test/news/talks?utm_source=a", "http://site.test/index.php/news/talks"}
    assert len(talks["versions"]) == 2 and talks["text"].endswith("An edit seen by crawl B.")
    listing = shared.load_listing()
    assert set(listing) == {d["id"] for d in docs.values()}
    assert listing[talks["id"]]["versions"] == 2 and listing[talks["id"]]["rev"] == talks["rev"]


def test_merge_documents_keeps_every_alias_and_version():
    base = {"id": "x", "url": "u", "aliases": ["a1"], "text": "old", "versions": [
        {"text_sha256": "1", "fetched_at": "2026-01-01T00:00:00Z"}], "rev": 3}
    ours = {**base, "aliases": ["a1", "a2"], "text": "new", "versions": base["versions"] + [
        {"text_sha256": "2", "fetched_at": "2026-01-03T00:00:00Z"}], "rev": 3}
    theirs = {**base, "aliases": ["a1", "a3"], "versions": base["versions"] + [
        {"text_sha256": "3", "fetched_at": "2026-01-02T00:00:00Z"}], "text": "theirs", "rev": 4}
    merged = merge_documents(theirs, ours)
    assert merged["aliases"] == ["a1", "a3", "a2"]
    assert [v["text_sha256"] for v in merged["versions"]] == ["1", "3", "2"]
    assert merged["text"] == "new", "the text of the newest fetch wins"
    assert merged["rev"] == 4


def test_listing_segments_compact(tmp_path):
    archive = Archive.open(str(tmp_path / "a"), create=True)
    for n in range(5):
        archive.save_listing_segment(f"c{n}", {"0000000000000001": {"id": "0000000000000001", "rev": n, "title": f"t{n}"},
                                               f"000000000000001{n}": {"id": f"000000000000001{n}", "rev": 1}})
    assert archive.load_listing()["0000000000000001"]["title"] == "t4", "the highest rev wins"
    assert archive.compact_listing("merged", max_segments=3) is True
    assert archive.listing_segments() == ["index/listing/merged.json"]
    assert len(archive.load_listing()) == 6
