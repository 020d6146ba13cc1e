"""The WARC index segments: every WARC upload names its CDXJ and originals files under
``index/warcs/``, small segments are merged by size tiers, and the catalogue finds the files it
has not read through them, listing ``warc/`` (which grows with the archive) only once."""
import hashlib

from archive import warcindex
from archive.archive import Archive
from archive.catalog import UNREAD_WARC_FILES, Catalog
from archive.warc import WarcWriter
from tests.test_warc import fetch, page


def crawl_warc(store, spool, crawl_id, urls, *, not_modified_at=None):
    """One crawl's WARC file: a response per URL, or a 304 revisit at ``not_modified_at``."""
    writer = WarcWriter(store, crawl_id, spool_dir=spool / crawl_id)
    for url in urls:
        body = page(len(url), 300)
        if not_modified_at:
            writer.write_not_modified(url=url, fetched_at=not_modified_at, response_headers=[("ETag", '"x"')],
                                      request_headers=[("If-None-Match", '"x"')], refers_to_uri=url,
                                      refers_to_date="2026-01-01T00:00:00Z",
                                      payload_sha256=hashlib.sha256(body).hexdigest())
        else:
            writer.write(**fetch(url, body), body=body)
    return writer.close()


def spy_scans(store) -> list[str]:
    """From now on, the prefix of every ``store.scan`` is appended to the returned list."""
    prefixes, scan = [], store.scan

    def recording_scan(prefix=""):
        prefixes.append(prefix)
        return scan(prefix)
    store.scan = recording_scan
    return prefixes


def test_each_upload_names_its_index_files_in_a_segment(store, tmp_path):
    crawl_warc(store, tmp_path, "one", ["http://a.test/1", "http://a.test/2"])
    crawl_warc(store, tmp_path, "two", ["http://a.test/3"], not_modified_at="2026-02-01T00:00:00Z")
    named = {}
    for key, _ in warcindex.segments(store):
        named.update(warcindex.read_segment(store, key))
    on_store = {k: size for k, size in store.scan("warc/") if k.endswith((".cdxj", ".originals.jsonl"))}
    assert named == on_store and len(on_store) == 3, (named, on_store)   # the revisit-only file has no originals


def test_small_segments_are_merged_and_name_every_file(store, tmp_path):
    for n in range(warcindex.WARCS_MAX + 6):
        crawl_warc(store, tmp_path, f"c{n:03d}", [f"http://a.test/{n}"])
    listed = warcindex.segments(store)
    assert len(listed) <= warcindex.WARCS_MAX + 1, listed
    assert any(k.endswith("-merged.json") for k, _ in listed), listed
    named = {}
    for key, _ in listed:
        named.update(warcindex.read_segment(store, key))
    assert len([k for k in named if k.endswith(".cdxj")]) == warcindex.WARCS_MAX + 6
    assert named == {k: size for k, size in store.scan("warc/") if k.endswith((".cdxj", ".originals.jsonl"))}


def test_the_catalogue_finds_new_cdxj_without_listing_warc(tmp_path):
    """After its first sync, a catalogue learns of a new WARC file's 304s from the segments alone:
    what ``archive show`` pays does not grow with the WARC files of the archive."""
    archive = Archive.open(str(tmp_path / "arch"), create=True)
    crawl_warc(archive.store, tmp_path, "one", ["http://a.test/1"], not_modified_at="2026-02-01T00:00:00Z")
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    assert cat.sync_not_modified() == 1
    scans = spy_scans(archive.store)
    assert cat.sync_not_modified() == 0
    crawl_warc(archive.store, tmp_path, "two", ["http://a.test/1", "http://a.test/2"],
               not_modified_at="2026-03-01T00:00:00Z")
    scans.clear()
    assert cat.sync_not_modified() == 2
    assert cat.sync_originals() == 0, "revisit-only files have no originals"
    assert scans and set(scans) == {warcindex.WARCS_PREFIX}, scans
    last = dict(cat.db.execute("SELECT url, last_seen FROM not_modified"))
    assert last["http://a.test/1"] == "2026-03-01T00:00:00Z" and last["http://a.test/2"] == "2026-03-01T00:00:00Z"


def test_an_archive_older_than_the_segments_is_listed_once(tmp_path):
    """WARC files no segment names (written by an older version) are found by the first sync,
    which lists ``warc/`` once; later syncs do not."""
    archive = Archive.open(str(tmp_path / "arch"), create=True)
    crawl_warc(archive.store, tmp_path, "old", ["http://a.test/1"], not_modified_at="2026-02-01T00:00:00Z")
    crawl_warc(archive.store, tmp_path, "older", ["http://a.test/2", "http://a.test/3"])
    for key, _ in warcindex.segments(archive.store):
        archive.store.delete(key)
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    scans = spy_scans(archive.store)
    assert cat.sync_not_modified() == 1 and cat.sync_originals() == 1
    assert scans.count("warc/") == 1, scans
    scans.clear()
    assert cat.sync_not_modified() == 0 and cat.sync_originals() == 0
    assert "warc/" not in scans, scans


def test_what_an_older_catalogue_read_is_not_read_again(tmp_path):
    """A catalogue of the previous version kept the files it had read in ``cdxj_files`` and
    ``originals_files``: upgrading marks those read, and drops the two tables."""
    archive = Archive.open(str(tmp_path / "arch"), create=True)
    crawl_warc(archive.store, tmp_path, "one", ["http://a.test/1"], not_modified_at="2026-02-01T00:00:00Z")
    crawl_warc(archive.store, tmp_path, "two", ["http://a.test/2"], not_modified_at="2026-02-02T00:00:00Z")
    (read_key, read_size), _ = [(k, s) for k, s in archive.store.scan("warc/") if k.endswith(".cdxj")]
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    cat.db.execute("CREATE TABLE cdxj_files (key TEXT PRIMARY KEY, size INTEGER)")
    cat.db.execute("INSERT INTO cdxj_files VALUES (?, ?)", (read_key, read_size))
    assert cat.sync_not_modified() == 1, "only the file the older catalogue had not read"
    assert not cat.db.execute("SELECT 1 FROM sqlite_master WHERE name='cdxj_files'").fetchone()


def test_unread_files_are_found_through_the_partial_index(tmp_path):
    archive = Archive.open(str(tmp_path / "arch"), create=True)
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    plan = " ".join(r[-1] for r in cat.db.execute("EXPLAIN QUERY PLAN " + UNREAD_WARC_FILES, ("*.cdxj",)))
    assert "warc_files_todo" in plan, plan


def test_verify_reports_an_unnamed_index_file_and_reindex_names_it(tmp_path, capsys):
    from archive.cli import main
    uri = str(tmp_path / "arch")
    archive = Archive.open(uri, create=True)
    crawl_warc(archive.store, tmp_path, "one", ["http://a.test/1"])
    crawl_warc(archive.store, tmp_path, "two", ["http://a.test/2"], not_modified_at="2026-02-01T00:00:00Z")
    assert main(["--archive", uri, "verify", "-q"]) == 0
    dropped = [k for k, _ in warcindex.segments(archive.store) if k.endswith("-two-00001.json")]
    assert len(dropped) == 1
    archive.store.delete(dropped[0])   # as if the uploader died between the CDXJ and its segment
    capsys.readouterr()
    assert main(["--archive", uri, "verify", "-q"]) == 1
    assert "WARC index file warc/two-00001.cdxj is not named in index/warcs/" in capsys.readouterr().out
    assert main(["--archive", uri, "reindex"]) == 0
    assert "WARC index files named in index/warcs/: 1" in capsys.readouterr().out
    assert main(["--archive", uri, "verify", "-q"]) == 0
    assert warcindex.unnamed(archive.store) == {}


def test_the_first_upload_with_segments_names_what_older_versions_uploaded(store, tmp_path):
    crawl_warc(store, tmp_path, "old", ["http://a.test/1"])
    crawl_warc(store, tmp_path, "older", ["http://a.test/2"], not_modified_at="2026-02-01T00:00:00Z")
    for key, _ in warcindex.segments(store):
        store.delete(key)                      # an archive written before the segments existed
    assert len(warcindex.unnamed(store)) == 3
    crawl_warc(store, tmp_path, "new", ["http://a.test/3"])
    assert warcindex.unnamed(store) == {}
    assert len(warcindex.named(store)) == 5
