"""The local SQLite catalogue: syncs only unseen listing segments, survives compaction and
reindex, answers lookups, filters, full-text search and totals; the CLI commands built on it."""
import json
import threading

import pytest

from archive.archive import Archive, doc_id_for
from archive.catalog import Catalog
from archive.cli import main
from archive.session import CrawlSession
from tests.test_archive_cli import TEXT, ingest, page


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def story(n, site="Demo", published="2026-01-05", title=None, words="ordinary"):
    text = (f"Story number {n} about {words} matters in the region. " * 4 +
            f"Each story {n} has its own sentences, names and places, like Town{n} and River{n}. " * 4)
    p = page(f"http://{site.lower()}.test/news/story-{n}", text=text, title=title or f"Story {n}")
    p["article"].update(site=site, published=published)
    return p


def crawl(archive, pages, **kw):
    s = CrawlSession(archive, warmup_pages=0, **kw)
    decisions = [ingest(s, p) for p in pages]
    s.finish()
    return decisions


def record_gets(store) -> list[str]:
    """From now on, every key ``store.get`` reads is appended to the returned list."""
    read, get = [], store.get

    def recording_get(key):
        read.append(key)
        return get(key)

    store.get = recording_get
    return read


@pytest.fixture
def archive(tmp_path):
    return Archive.open(str(tmp_path / "arch"), create=True)


def test_sync_reads_only_unseen_segments(archive, tmp_path):
    crawl(archive, [story(n) for n in range(3)])
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    assert cat.sync()["segments_read"] == 1 and cat.count() == 3
    before = archive.store.requests["GET"]
    cat.sync()
    assert archive.store.requests["GET"] == before, "nothing new: no segment is read again"
    crawl(archive, [story(n) for n in range(3, 5)])
    before = archive.store.requests["GET"]
    cat.sync()
    assert archive.store.requests["GET"] == before + 1, "one new segment: one GET"
    assert cat.count() == 5
    again = Catalog(archive, tmp_path / "cat.sqlite")
    assert again.sync()["segments_read"] == 0 and again.count() == 5, "the catalogue persists on disk"


def test_compaction_and_reindex_keep_the_catalogue_exact(archive, tmp_path):
    for n in range(5):
        crawl(archive, [story(n)])
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    cat.sync()
    assert archive.compact_listing("merged", max_segments=3)
    assert archive.listing_segments() == ["index/listing/merged.json"]
    cat.sync()
    assert cat.count() == 5 and {e["id"] for e in cat.entries()} == set(archive.load_listing())
    # A document removed by hand, then `archive reindex`: the catalogue forgets it.
    gone = doc_id_for("http://demo.test/news/story-0")
    archive.store.delete(f"docs/{gone}.json")
    archive.rebuild_listing()
    cat.sync()
    assert cat.count() == 4 and cat.entry(gone) is None
    assert cat.lookup_url("http://demo.test/news/story-0") is None


def test_compaction_is_size_tiered(archive):
    big = {f"{n:016x}": {"id": f"{n:016x}", "rev": 1, "title": "x" * 200} for n in range(50)}
    archive.save_listing_segment("a-big", big)
    for n in range(4):
        archive.save_listing_segment(f"b{n}", {f"{n:016x}": {"id": f"{n:016x}", "rev": 2, "title": f"t{n}"}})
    assert archive.compact_listing("c-merged", max_segments=3, max_bytes=2000)
    assert archive.listing_segments() == ["index/listing/a-big.json", "index/listing/c-merged.json"], \
        "the large segment is left alone; only the small ones are merged"
    listing = archive.load_listing()
    assert len(listing) == 50 and listing[f"{2:016x}"]["title"] == "t2"


def test_revisions_win_and_aliases_are_found(archive, tmp_path):
    crawl(archive, [story(1)])
    s = CrawlSession(archive, warmup_pages=0)
    p = story(1)
    p["url"] += "?utm_source=feed"
    assert ingest(s, p).action == "alias"
    s.finish()
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    cat.sync()
    doc_id = doc_id_for("http://demo.test/news/story-1")
    assert cat.entry(doc_id)["aliases"] == ["http://demo.test/news/story-1?utm_source=feed"]
    assert cat.lookup_url("http://demo.test/news/story-1?utm_source=feed") == doc_id
    assert archive.find("http://demo.test/news/story-1?utm_source=other").get("id") == doc_id


def test_list_filters_order_and_one_line_titles(archive, capsys):
    crawl(archive, [story(1, site="Alpha", published="2026-01-01"),
                    story(2, site="Beta", published="2026-02-10", title="Two\nlines\tand a tab"),
                    story(3, site="Alpha", published="2026-03-20T08:00:00Z"),
                    story(4, site="Beta", published="2026-03-21")])
    uri = archive.uri
    code, out, _ = run(capsys, "--archive", uri, "list")
    lines = out.splitlines()
    assert code == 0 and [line.split("\t")[2] for line in lines] == ["Story 4", "Story 3", "Two lines and a tab", "Story 1"]
    assert all(len(line.split("\t")) == 4 for line in lines)
    code, out, _ = run(capsys, "--archive", uri, "list", "--site", "Alpha")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["Story 3", "Story 1"]
    code, out, _ = run(capsys, "--archive", uri, "list", "--since", "2026-02-01", "--until", "2026-03-20")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["Story 3", "Two lines and a tab"], \
        "--until includes the whole day, timestamps too"
    code, out, _ = run(capsys, "--archive", uri, "list", "--limit", "1", "--json")
    assert [e["title"] for e in json.loads(out)] == ["Story 4"]
    code, _, err = run(capsys, "--archive", uri, "list", "--since", "last week")
    assert code == 2 and "is not a date" in err


def test_search_title_and_text_and_follows_new_versions(archive, capsys):
    crawl(archive, [story(1, words="harbour"), story(2, words="mountain", title="Alpine pass reopens"),
                    story(3, words="harbour mountain")])
    uri = archive.uri
    code, out, _ = run(capsys, "--archive", uri, "list", "--search", "harbour")
    assert code == 0 and sorted(line.split("\t")[2] for line in out.splitlines()) == ["Story 1", "Story 3"]
    code, out, _ = run(capsys, "--archive", uri, "list", "--search", "alpine")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["Alpine pass reopens"], "titles are searched"
    code, out, _ = run(capsys, "--archive", uri, "list", "--search", "harbour mountain", "--limit", "5")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["Story 3"], "every word must match"
    # A new version of story 1 drops "harbour" and says "lighthouse": the index follows it.
    p = story(1, words="lighthouse")
    p["fetched_at"] = "2026-01-06T10:00:00Z"
    assert crawl(archive, [p])[0].action == "version"
    code, out, _ = run(capsys, "--archive", uri, "list", "--search", "harbour")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["Story 3"]
    code, out, _ = run(capsys, "--archive", uri, "list", "--search", "lighthouse", "--site", "Demo")
    assert [line.split("\t")[2] for line in out.splitlines()] == ["Story 1"]
    code, out, _ = run(capsys, "--archive", uri, "list", "--search", '"); DROP TABLE docs; --')
    assert code == 0 and out == "", "FTS syntax in the user's words is taken as plain words"


def test_text_indexing_pages_through_only_the_unindexed(archive, capsys):
    """A search finds the documents whose text is not indexed yet through a partial index that
    holds only them (not a scan of every document), a page at a time; an unreadable document
    is skipped without stopping the pages after it."""
    crawl(archive, [story(n, words="harbour" if n % 2 else "mountain") for n in range(7)])
    cat = archive.catalog()
    plan = " ".join(str(row) for row in cat.db.execute(
        "EXPLAIN QUERY PLAN SELECT id, text_sha256 FROM docs WHERE fts_sha256 IS NOT text_sha256 "
        "AND id > ? ORDER BY id LIMIT ?", ("", 3)))
    assert "docs_unindexed" in plan, plan
    entries = sorted(cat.entries(order="id"), key=lambda e: e["id"])
    broken = entries[1]["id"]
    harbour = {e["title"] for e in entries if int(e["title"].split()[1]) % 2 and e["id"] != broken}
    archive.store.put(f"docs/{broken}.json", b"{not json")
    assert cat.sync_texts(batch=2) == 6, "pages of 2 go past the unreadable document"
    assert cat.db.execute("SELECT count(*) FROM docs WHERE fts_sha256 IS NOT text_sha256").fetchone()[0] == 1
    assert cat.sync_texts(batch=2) == 0
    code, out, _ = run(capsys, "--archive", archive.uri, "list", "--search", "harbour")
    assert code == 0 and {line.split("\t")[2] for line in out.splitlines()} == harbour


def test_export_since_and_stats_from_totals(archive, capsys):
    crawl(archive, [story(1, published="2026-01-01"), story(2, published="2026-02-02"),
                    story(3, published="2026-03-03")])
    code, out, _ = run(capsys, "--archive", archive.uri, "export", "--since", "2026-02-01")
    assert code == 0 and sorted(json.loads(line)["title"] for line in out.splitlines()) == ["Story 2", "Story 3"]
    code, out, _ = run(capsys, "--archive", archive.uri, "stats", "--json")
    fast = json.loads(out)
    code, out, _ = run(capsys, "--archive", archive.uri, "stats", "--json", "--scan")
    scanned = json.loads(out)
    assert (fast["documents"], fast["versions"], fast["crawls"]) == (3, 3, 1)
    assert (fast["blobs"], fast["blob_bytes"]) == (scanned["blobs"], scanned["blob_bytes"]), \
        "the crawl reports' totals agree with a scan of the store"
    blobs_listed = archive.store.requests["LIST"]
    run(capsys, "--archive", archive.uri, "stats")
    assert archive.store.requests["LIST"] == blobs_listed, "another Archive object: requests not counted here"


def test_show_url_reads_no_listing_segment(archive, capsys, tmp_path):
    crawl(archive, [story(n) for n in range(4)])
    cat = archive.catalog(tmp_path / "c.sqlite")
    gets = archive.store.requests["GET"]
    doc = archive.find("http://demo.test/index.php/news/story-2", cat)
    assert doc["title"] == "Story 2"
    assert archive.store.requests["GET"] == gets + 1, "one GET: the document itself"


def test_verify_checks_the_listing_against_the_documents(archive, capsys):
    crawl(archive, [story(1), story(2)])
    assert run(capsys, "--archive", archive.uri, "verify")[0] == 0
    # The listing says an alias was filed, the stored document does not have it (a lost write).
    doc_id = doc_id_for("http://demo.test/news/story-1")
    doc = archive.load_document(doc_id)
    entry = dict(archive.load_listing()[doc_id], aliases=["http://demo.test/news/story-1?utm_source=x"])
    archive.save_listing_segment("zz-later", {doc_id: entry})
    code, out, _ = run(capsys, "--archive", archive.uri, "verify")
    assert code == 1 and f"document {doc_id}: the listing and the document disagree at the same rev" in out \
        and "aliases" in out
    archive.save_listing_segment("zz-later-2", {doc_id: dict(entry, rev=doc["rev"] + 1)})
    code, out, _ = run(capsys, "--archive", archive.uri, "verify")
    assert code == 1 and "a write the listing reports was lost" in out


def test_verify_checks_the_near_duplicate_index_against_the_documents(archive, capsys, tmp_path):
    crawl(archive, [story(1), story(2), story(3)])
    cat = tmp_path / "cat.sqlite"
    assert run(capsys, "--archive", archive.uri, "--catalog", str(cat), "verify")[0] == 0
    one, two = doc_id_for("http://demo.test/news/story-1"), doc_id_for("http://demo.test/news/story-2")
    # A listing entry at the document's rev whose simhash and anchors are not the document's:
    # a crawl would look that document up under the wrong bands.
    entry = dict(archive.load_listing()[one], simhash="0123456789abcdef", anchors=[])
    archive.save_listing_segment("zz-later", {one: entry})
    # ...and a band row lost from the catalogue.
    c = Catalog(archive, cat)
    c.sync()
    fp = int(c.entry(two)["simhash"], 16)
    deleted = c.db.execute("DELETE FROM near WHERE id=? AND band=3", (two,)).rowcount
    assert deleted == 1
    code, out, _ = run(capsys, "--archive", archive.uri, "--catalog", str(cat), "verify")
    assert code == 1
    assert f"document {one}: near-duplicate index: the index has simhash 0123456789abcdef" in out
    assert f"document {one}: near-duplicate index: the index's anchor paragraphs are not the document's" in out
    assert f"document {two}: near-duplicate index: its simhash is filed under 27 of 28 bands" in out
    assert f"document {doc_id_for('http://demo.test/news/story-3')}:" not in out
    from archive.catalog import CatalogNearIndex
    assert dict(CatalogNearIndex(c, "simhash").query(fp)).get(two) == 0, "still found through its other bands"


def test_verify_looks_up_each_band_and_anchor_by_primary_key(tmp_path):
    """verify's checks of a document's near and anchor rows are primary-key lookups, whatever the
    table's size: a row-value IN test made SQLite scan the whole table (13 million rows at
    470,000 documents)."""
    from archive.archive import Archive
    from archive.catalog import _check_sql
    cat = Catalog(Archive.open(str(tmp_path / "a"), create=True), tmp_path / "cat.sqlite")
    for table, a, b, extra in (("near", "band", "value", "near.fp=?"), ("anchor", "h", "n", "1")):
        sql = _check_sql(table, a, b, 3, extra)
        plan = " ".join(row[-1] for row in cat.db.execute("EXPLAIN QUERY PLAN " + sql,
                                                          (1, 2, 3, 4, 5, 6, "x") + ((7,) if extra != "1" else ())))
        assert f"SEARCH {table} USING PRIMARY KEY" in plan and f"SCAN {table}" not in plan, plan


def test_a_catalogue_opened_while_another_process_creates_it_waits_for_it(tmp_path):
    """Two crawls started together on a new catalogue: while one switches the new file to WAL,
    the other's switch failed at once with 'database is locked' (SQLite's busy timeout does not
    apply to it; seen in CI on a loaded machine). It now waits, then opens it."""
    import sqlite3
    import threading
    import time
    from archive.archive import Archive
    path = tmp_path / "cat.sqlite"
    other = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")   # the other process, creating the file (rollback journal yet)
    other.execute("CREATE TABLE early (x)")
    worker = threading.Thread(target=lambda: (time.sleep(0.5), other.execute("COMMIT")))
    worker.start()
    t = time.monotonic()
    cat = Catalog(Archive.open(str(tmp_path / "a"), create=True), path)
    worker.join()
    assert time.monotonic() - t >= 0.4, "it waited for the other's write"
    assert cat.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_killed_crawls_old_intent_is_adopted_then_removed(archive):
    import json as _json
    crawl(archive, [story(1)])
    s = CrawlSession(archive, warmup_pages=0, index_flush_every=100)
    ingest(s, story(2))
    s.intents.begin(sorted(s.batch.dirty))
    s.batch.write()                                   # killed before its listing segment
    key = s.intents.open[0]
    intent = _json.loads(archive.store.get(key))
    intent["written_at"] -= 7200                      # two hours ago: that crawl is surely dead
    archive.store.put(key, _json.dumps(intent).encode())
    s2 = CrawlSession(archive, warmup_pages=0)
    assert s2.counts["archive/reconciled_documents"] == 1 and s2.intents.adopted == [key]
    s2.finish()
    assert not archive.store.exists(key), "adopted: removed once the new crawl's segment lists its documents"
    assert archive.catalog().entry(doc_id_for("http://demo.test/news/story-2")) is not None
    s3 = CrawlSession(archive, warmup_pages=0)
    assert s3.counts["archive/reconciled_documents"] == 0
    s3.finish()


def test_readers_stay_exact_while_two_crawls_write(archive, tmp_path):
    """Two crawls write batches (and compact) while a reader syncs over and over: at the end the
    catalogue holds exactly the merged listing, every document once."""
    stop = threading.Event()
    errors = []
    cat = Catalog(archive, tmp_path / "cat.sqlite")

    def reader():
        while not stop.is_set():
            try:
                cat.sync()
            except Exception as exc:   # noqa: BLE001 - the test reports it
                errors.append(exc)
                return

    def writer(first):
        s = CrawlSession(archive, warmup_pages=0, index_flush_every=2)
        for n in range(first, first + 12):
            ingest(s, story(n))
        s.finish()

    t = threading.Thread(target=reader)
    t.start()
    writers = [threading.Thread(target=writer, args=(f,)) for f in (0, 100)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    archive.compact_listing("zz-merged", max_segments=2)
    stop.set()
    t.join()
    assert not errors
    cat.sync()
    listing = archive.load_listing()
    assert len(listing) == 24
    assert {e["id"]: e["rev"] for e in cat.entries()} == {i: e["rev"] for i, e in listing.items()}


def test_catalogue_belongs_to_one_archive(tmp_path):
    a = Archive.open(str(tmp_path / "a"), create=True)
    b = Archive.open(str(tmp_path / "b"), create=True)
    Catalog(a, tmp_path / "c.sqlite").close()
    with pytest.raises(ValueError, match="belongs to"):
        Catalog(b, tmp_path / "c.sqlite")


def test_crawl_start_reads_no_listing_once_the_catalogue_is_synced(archive):
    crawl(archive, [story(n) for n in range(6)])
    crawl(archive, [story(n) for n in range(6, 9)])
    # The crawls put the segments they wrote into this machine's catalogue as they wrote them.
    other = Archive.open(archive.uri)
    assert other.catalog().synced["segments_read"] == 0 and other.catalog().count() == 9
    archive.catalog()   # synced once, as any earlier command or crawl on this machine did
    read = record_gets(archive.store)
    s = CrawlSession(archive, warmup_pages=0)
    assert not [k for k in read if k.startswith("index/listing/")], "no listing segment is read at start"
    assert s._changed_entries == {}, "nothing of the archive's listing is held in memory"
    # Lookups still see every document: a known URL is unchanged, an alias is found, a copy too.
    assert ingest(s, story(3)).action == "unchanged"
    p = story(7)
    p["url"] = p["url"].replace("/news/", "/index.php/news/")
    assert ingest(s, p).action == "alias"
    copy = story(5)
    copy["url"] = "http://demo.test/republished/story-5-copy"
    copy["article"]["canonical_url"] = None
    decision = ingest(s, copy)
    assert decision.action == "alias" and decision.doc_id == doc_id_for("http://demo.test/news/story-5")
    s.finish()


def test_batches_write_no_whole_index_and_a_killed_crawl_is_caught_up(archive):
    crawl(archive, [story(n) for n in range(4)])
    s = CrawlSession(archive, warmup_pages=0, index_flush_every=2)
    written, deleted = [], []
    put, delete = archive.store.put, archive.store.delete

    def recording_put(key, data, **kw):
        written.append(key)
        return put(key, data, **kw)

    def recording_delete(key):
        deleted.append(key)
        return delete(key)

    archive.store.put, archive.store.delete = recording_put, recording_delete
    for n in range(10, 16):
        ingest(s, story(n))                                  # three batches, then "killed": no finish
    # ...killed between a batch's documents and its listing segment:
    s.batch.mark_dirty(doc_id_for("http://demo.test/news/story-15"))
    s.batch.docs[doc_id_for("http://demo.test/news/story-15")]["title"] = "Written, never listed"
    s._touch(s.batch.docs[doc_id_for("http://demo.test/news/story-15")])
    s.intents.begin(sorted(s.batch.dirty))
    s.batch.write()
    archive.store.put, archive.store.delete = put, delete
    assert [k for k in written if k.startswith("index/listing/")], "each batch writes its listing segment"
    assert not [k for k in written if k in ("index/neardup.bin", "index/anchors.bin") or k.startswith("index/blocks/")], \
        "no batch writes a whole near-duplicate or anchor index, or a block table"
    intents = [k for k in written if k.startswith("index/pending/")]
    assert len(intents) == 4 and [k for k in deleted if k.startswith("index/pending/")] == intents[:3], \
        "each batch names its documents before writing them, and drops the intent once they are listed"
    deltas = [k for k in written if k.startswith("index/blocks-delta/")]
    assert len(deltas) == 3, "a batch writes what it taught the site's block table, as a small delta"
    assert all(len(archive.store.get(k)) < 4000 for k in deltas)
    # The next crawl finds the killed crawl's documents by simhash and by anchors all the same,
    # the unlisted one through the intent left behind, without listing docs/.
    listed = []
    scan = archive.store.scan

    def recording_scan(prefix=""):
        listed.append(prefix)
        return scan(prefix)

    archive.store.scan = recording_scan
    s2 = CrawlSession(archive, warmup_pages=0)
    archive.store.scan = scan
    assert not [p for p in listed if p.startswith("docs")], "a crawl start lists no documents"
    assert s2.counts["archive/reconciled_documents"] == 1
    assert s2._changed_entries[doc_id_for("http://demo.test/news/story-15")]["title"] == "Written, never listed"
    assert len(s2.near) == 10 and len(s2.dedup.anchors) == len(s.dedup.anchors)
    assert not s2.near.touched - {doc_id_for("http://demo.test/news/story-15")}, \
        "a crawl start holds nothing of the archive's near-duplicate index in memory"
    table = s2._table("demo.test")
    old = s.tables["demo.test"]
    assert len(table.pages) == len(old.pages) == 10 and old.freq.added, "4 pages of the first crawl, 6 killed"
    assert all(table.freq.get(h) == old.freq.get(h) for h in old.freq.added), \
        "the block table with the killed crawl's deltas is the table it had"
    assert all(table.titles.get(h) == old.titles.get(h) for h in old.titles.added) and old.titles.added
    assert not table.freq.added and not table.pages.added and not table.titles.added, \
        "nothing of the table is held in memory: it is read from the catalogue"
    copy = story(12)
    copy["url"], copy["article"]["canonical_url"] = "http://demo.test/copies/twelve", None
    decision = ingest(s2, copy)
    assert decision.action == "alias" and decision.doc_id == doc_id_for("http://demo.test/news/story-12")
    assert decision.evidence["layer"] in ("simhash", "anchors")
    s2.finish()
    assert not archive.store.exists("index/neardup.bin"), "no whole near-duplicate index, at the end either"
    assert not archive.store.exists("index/blocks/demo.test.bin"), "nor a whole block table"
    assert len(list(archive.store.list("index/blocks-delta/"))) == 1 + 3 + 1, "a delta per batch that taught the table"
    assert list(archive.store.list("index/pending/")) == intents[3:], \
        "a killed crawl's intent stays until it is old enough to be surely dead"
    assert Catalog(archive, archive.catalog().path).entry(doc_id_for("http://demo.test/news/story-15"))["title"] \
        == "Written, never listed"


def test_revisits_across_crawls_name_the_originals_the_catalogue_finds(archive, tmp_path):
    """The WARC originals of earlier crawls are looked up in the catalogue (synced from the
    ``.originals.jsonl`` files it has not read), with the answers the whole in-memory map gives."""
    from archive.catalog import CatalogOriginals
    from archive.warc import ArchiveOriginals, WarcWriter
    from tests.test_warc import fetch, page, record_at
    store = archive.store
    bodies = [page(i, 600) for i in range(6)]
    for crawl_id, chunk in (("one", bodies[:3]), ("two", bodies[2:5])):   # body 2 in both crawls
        writer = WarcWriter(store, crawl_id, spool_dir=tmp_path / crawl_id)
        for i, body in enumerate(chunk):
            writer.write(**fetch(f"http://example.com/{crawl_id}/{i}", body), body=body)
        writer.close()
    archive.catalog_path = tmp_path / "cat.sqlite"
    ours, theirs = CatalogOriginals(archive), ArchiveOriginals(store)
    import hashlib
    for body in bodies:
        sha = hashlib.sha256(body).hexdigest()
        assert ours(sha) == theirs(sha)
    assert ours(hashlib.sha256(bodies[5]).hexdigest()) is None
    assert ours(hashlib.sha256(bodies[2]).hexdigest())[0] == "http://example.com/one/2", "the first file's record"
    third = WarcWriter(store, "three", spool_dir=tmp_path / "s3", lookup_original=ours)
    ref = third.write(**fetch("http://example.com/again", bodies[4], "2026-01-07T10:00:00Z"), body=bodies[4])
    third.write(**fetch("http://example.com/new", bodies[5], "2026-01-07T10:00:01Z"), body=bodies[5])
    third.close()
    rec, _ = record_at(store.get(ref.file), ref.offset, ref.length)
    assert rec.rec_type == "revisit"
    assert rec.rec_headers.get_header("WARC-Refers-To-Target-URI") == "http://example.com/two/2"
    cat = archive.catalog(sync=False)
    assert cat.sync_originals() == 1, "only the new crawl's originals file is read"
    assert cat.sync_originals() == 0


def _table_view(table, keys, blocks):
    """What cleaning asks of a block table, for these page keys and block texts."""
    from archive.teasers import block_hash
    return ([block_hash(k) in table.pages for k in keys], [table.freq.get(block_hash(b), 0) for b in blocks],
            [table.titles.get(block_hash(b)) for b in blocks], [table.leads.get(block_hash(b)) for b in blocks],
            len(table.pages))


def test_block_tables_from_the_catalogue_equal_the_whole_tables(archive, tmp_path):
    """A legacy whole image plus deltas, synced into the catalogue, answers as the in-memory
    table did; many deltas are merged by size tiers and the answers stay the same."""
    from archive.indexes import IndexFiles, TrackedBlocks, blocks_key, deltas_prefix
    from archive.teasers import split_blocks
    pages = [story(n) for n in range(60)]
    boiler = ["Subscribe to our newsletter for more stories every week.", "All rights reserved."]

    def blocks_of(p):
        return split_blocks(p["article"]["text"].split("\n")) + boiler[: 1 + len(p["url"]) % 2]

    legacy = TrackedBlocks()
    for p in pages[:20]:
        legacy.observe(p["url"], blocks_of(p), p["article"]["title"])
    archive.store.put(blocks_key("demo.test"), legacy.to_bytes())     # as older versions wrote at the end
    files = IndexFiles(archive.store)                                    # (no catalogue: in memory)
    memory = files.load_table("demo.test")
    for i, p in enumerate(pages[20:]):
        memory.observe(p["url"], blocks_of(p), p["article"]["title"])
        files.save_delta("demo.test", memory, f"c-{i:05d}")             # 40 deltas: merged past 32
    stored = list(archive.store.list(deltas_prefix("demo.test")))
    assert len(stored) < 40 and any(k.endswith("-merged.json") for k in stored), "merged by size tiers"
    keys = [p["url"] for p in pages] + ["http://demo.test/never"]
    blocks = [b for p in pages[::7] for b in blocks_of(p)] + [p["article"]["title"] for p in pages] + boiler
    expected = _table_view(memory, keys, blocks)
    assert expected[4] == 60 and max(expected[1]) >= 2
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    assert cat.sync_blocks() == len(stored)
    from_catalogue = IndexFiles(archive.store, cat).load_table("demo.test")
    assert _table_view(from_catalogue, keys, blocks) == expected
    assert cat.sync_blocks() == 0, "nothing new: nothing read"


def test_a_crawl_never_counts_its_own_pages_twice_when_the_catalogue_syncs_meanwhile(archive, tmp_path):
    crawl(archive, [story(n) for n in range(3)])
    s = CrawlSession(archive, warmup_pages=0, index_flush_every=2)
    for n in range(10, 14):
        ingest(s, story(n))                       # two batches: two deltas in the store
    table = s.tables["demo.test"]
    keys = [story(n)["url"] for n in (*range(3), *range(10, 14))]
    blocks = [b for n in range(10, 14) for b in story(n)["article"]["text"].split("\n")]
    before = _table_view(table, keys, blocks)
    # Another process (a second crawl, `archive list`...) syncs the same catalogue file now.
    other = Catalog(archive, archive.catalog().path)
    assert other.sync_blocks() == 2
    assert _table_view(table, keys, blocks) == before, "the crawl reads the tables as they were at its start"
    assert before[4] == 7 and max(before[1]) == 1
    s.finish()
    fresh = CrawlSession(archive, warmup_pages=0)
    assert _table_view(fresh._table("demo.test"), keys, blocks) == before
    fresh.close()


def test_a_compaction_merges_a_bounded_amount(archive):
    """Size tiers with a bounded merge: however many small segments there are, one compaction
    reads at most twice ``max_bytes`` of them (the smallest), and never a large one again."""
    from archive.indexes import merge_plan
    big = "index/listing/a-big.json"
    archive.save_listing_segment("a-big", {f"{n:016x}": {"id": f"{n:016x}", "rev": 1, "title": "x" * 200}
                                           for n in range(50)})
    for n in range(40):
        archive.save_listing_segment(f"b{n:02d}", {f"{100 + n:016x}": {"id": f"{100 + n:016x}", "rev": 1,
                                                                       "title": "y" * (20 + 3 * n)}})
    sizes = dict(archive.store.scan("index/listing/"))
    assert sizes[big] >= 2000
    plan = merge_plan(sizes.items(), 3, 2000)
    assert big not in plan and len(plan) >= 2
    assert sum(sizes[k] for k in plan) <= 4000 < sum(v for k, v in sizes.items() if k != big)
    assert max(sizes[k] for k in plan) <= min(sizes[k] for k in sizes if k not in plan and k != big), \
        "the smallest ones first"
    before = archive.store.requests["GET"]
    assert archive.compact_listing("c-merged", max_segments=3, max_bytes=2000)
    assert archive.store.requests["GET"] - before == len(plan), "only the planned segments are read"
    left = archive.listing_segments()
    assert big in left and not set(plan) & set(left)
    assert len(archive.load_listing()) == 90, "nothing is lost by a partial merge"
    rounds = 0
    while archive.compact_listing(f"d{rounds:02d}-merged", max_segments=3, max_bytes=2000):
        rounds += 1
    assert rounds >= 1 and len(archive.load_listing()) == 90
    assert len([k for k, size in archive.store.scan("index/listing/") if size < 2000]) <= 3


def test_crawl_start_reads_only_the_validators_segments_it_has_not_seen(archive):
    """Validators go to the catalogue: a crawl start reads the segments written since the last
    sync (not every one), holds no URL's entry in memory, and still answers for every URL."""
    from archive.catalog import CatalogValidators
    from archive.validators import load_validators, save_validators
    when = "2026-01-0{}T10:00:00Z"
    for n in range(5):
        save_validators(archive, f"crawl-{n}", {f"http://demo.test/news/{n}-{i}": {
            "etag": f'"{n}-{i}"', "fetched_at": when.format(n + 1), "last_seen": when.format(n + 1),
            "doc_id": f"{n:015x}{i}"} for i in range(3)})
    # The same URL again, confirmed later: the later entry wins, as load_validators merges them.
    save_validators(archive, "crawl-5", {"http://demo.test/news/0-0": {
        "etag": '"new"', "fetched_at": when.format(7), "last_seen": when.format(7), "doc_id": "0" * 16}})
    CrawlSession(archive, warmup_pages=0).finish()   # a first crawl on this machine syncs them
    save_validators(archive, "crawl-6", {"http://demo.test/news/6-0": {
        "etag": '"6-0"', "fetched_at": when.format(8), "last_seen": when.format(8), "doc_id": "6" * 16}})
    read = record_gets(archive.store)
    s = CrawlSession(archive, warmup_pages=0)
    assert [k for k in read if k.startswith("index/validators/")] == ["index/validators/crawl-6.json"], \
        "only the segment written since the last sync is read"
    assert isinstance(s.validators, CatalogValidators), "no dict of every URL's entry"
    everything = load_validators(archive)
    assert len(everything) == 16 and len(s.validators) == 16
    assert sorted(s.validators) == sorted(everything)
    for url, entry in everything.items():
        assert s.validator(url) == entry and url in s.validators
    assert s.validator("http://demo.test/news/0-0")["etag"] == '"new"'
    assert s.validator("http://demo.test/news/unknown") is None and "http://demo.test/news/unknown" not in s.validators
    s.finish()


def test_validators_compaction_is_bounded_and_loses_nothing(archive):
    from archive import validators as v
    for n in range(40):
        v.save_validators(archive, f"c{n:02d}", {f"http://demo.test/{n}": {"etag": f'"{n}"',
                          "fetched_at": "2026-01-01T00:00:00Z", "doc_id": f"{n:016x}"}})
    keys = [k for k in archive.store.list(v.PREFIX)]
    assert len(keys) <= v.MAX_SEGMENTS + 1, "small segments are merged"
    merged = v.load_validators(archive)
    assert sorted(merged) == sorted(f"http://demo.test/{n}" for n in range(40))
    big = {f"http://demo.test/big/{i}": {"etag": "x" * 40, "fetched_at": "2026-01-01T00:00:00Z"} for i in range(200)}
    archive.store.put(v.segment_key("a-big"), json.dumps(big).encode())
    sizes = dict(archive.store.scan(v.PREFIX))
    from archive.indexes import merge_plan
    assert v.segment_key("a-big") not in merge_plan(sizes.items(), 0, sizes[v.segment_key("a-big")])


def test_a_batch_runs_one_compaction_even_when_several_are_due(archive):
    """Each batch adds a listing segment and a block delta for every site it touches, so all of
    them come due together; merging them all in one batch wrote 2.3 MB at a million documents.
    A batch merges one family at most, and the others are merged by the next batches."""
    from archive.archive import LISTING_MAX_SEGMENTS
    from archive.indexes import DELTAS_MAX, deltas_prefix
    assert LISTING_MAX_SEGMENTS == DELTAS_MAX
    s = CrawlSession(archive, warmup_pages=0, index_flush_every=2)
    merged_by_batch, current = [], []
    put = archive.store.put

    def recording_put(key, data, *a, **kw):
        if key.endswith("-merged.json"):
            current.append(key)
        return put(key, data, *a, **kw)
    archive.store.put = recording_put
    flush = s.flush

    def counted_flush():
        flush()
        merged_by_batch.append(list(current))
        current.clear()
    s.flush = counted_flush
    for n in range(DELTAS_MAX + 4):   # each batch: one page of each site
        ingest(s, story(2 * n, site="Alpha"))
        ingest(s, story(2 * n + 1, site="Beta"))
    s.finish()
    assert max(len(m) for m in merged_by_batch) == 1, merged_by_batch
    merged = [k for m in merged_by_batch for k in m]
    families = {k.rsplit("/", 1)[0] for k in merged}
    assert families == {"index/listing", deltas_prefix("alpha.test").rstrip("/"),
                        deltas_prefix("beta.test").rstrip("/")}, merged
    for prefix in ("index/listing/", deltas_prefix("alpha.test"), deltas_prefix("beta.test")):
        assert len(list(archive.store.list(prefix))) <= DELTAS_MAX + 1, prefix
