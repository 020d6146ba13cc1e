"""The archive as a library (CrawlSession) and through the `archive` command."""
import json

import pytest

from archive.archive import Archive, blob_key
from archive.cli import main
from archive.session import CrawlSession

TEXT = ("Peace talks resumed in Brussels on Monday with both delegations present. "
        "The mediators said the agenda covered borders, transport links and prisoners. ") * 6


def page(url, text=TEXT, title="Talks resume", canonical=None, body=None):
    return {
        "url": url,
        "article": {"text": text, "title": title, "published": "2026-01-05", "site": "Demo",
                    "author": "Editorial staff", "canonical_url": canonical, "tags": ["peace"]},
        "body": body or f"<html>{title} {text}</html>".encode(),
        "fetched_at": "2026-01-05T10:00:00Z",
        "status": 200,
    }


def ingest(session, p):
    snap = session.store_snapshot(p.pop("body"), url=p["url"], fetched_at=p["fetched_at"],
                                  response_headers=[("Content-Type", "text/html")])
    p.update(blob=snap.blob, body_sha256=snap.sha256, body_size=snap.size)
    return session.ingest(p)


@pytest.fixture
def archive(tmp_path):
    return Archive.open(str(tmp_path / "arch"), create=True)


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_session_files_documents_versions_and_aliases(archive):
    s = CrawlSession(archive, spider="test", warmup_pages=1)
    d1 = ingest(s, page("http://site.test/news/talks"))
    d2 = ingest(s, page("http://site.test/news/talks?utm_source=x"))
    d3 = ingest(s, page("http://site.test/index.php/news/talks"))
    d5 = ingest(s, page("http://site.test/news/other", text="Other text " * 50, title="Other"))
    report = s.finish({"archive/pages": 4})
    s = CrawlSession(archive, spider="test", warmup_pages=1)   # an edit is seen by a later crawl
    d4 = ingest(s, page("http://site.test/news/talks", text=TEXT + " One more sentence."))
    s.finish()
    assert [d.action for d in (d1, d2, d3, d4, d5)] == ["new", "alias", "alias", "version", "new"]
    assert d1.doc_id == d2.doc_id == d3.doc_id == d4.doc_id != d5.doc_id
    doc = archive.load_document(d1.doc_id)
    assert doc["url"] == "http://site.test/news/talks"
    assert doc["aliases"] == ["http://site.test/news/talks?utm_source=x", "http://site.test/index.php/news/talks"]
    assert len(doc["versions"]) == 2 and doc["text"].endswith("One more sentence.")
    assert all(len(v["simhash"]) == 16 for v in doc["versions"])
    assert report["counts"]["archive/decision/new"] == 2 and report["counts"]["archive/pages"] == 4
    assert archive.version_text(doc, 1) == TEXT.strip() and archive.version_text(doc, 2) == doc["text"]


def test_recrawl_adds_nothing(archive):
    s = CrawlSession(archive, warmup_pages=1)
    ingest(s, page("http://site.test/news/talks"))
    s.finish()
    blobs = list(archive.iter_blob_keys())
    s2 = CrawlSession(archive, warmup_pages=1)
    d = ingest(s2, page("http://site.test/news/talks"))
    rep = s2.finish()
    assert d.action == "unchanged"
    assert list(archive.iter_blob_keys()) == blobs
    assert "archive/blobs_new" not in rep["counts"]
    assert rep["requests"].get("PUT", 0) == 7, \
        ("only the WARC file, its CDXJ, the WARC index segment naming the CDXJ, the document's last_seen, "
         "the batch's intent (removed once listed), its listing entry and the decision log: unchanged "
         "indexes are not rewritten")
    assert not list(archive.store.list("index/pending/"))
    assert archive.load_document(d.doc_id)["last_seen"] == "2026-01-05T10:00:00Z"


def test_rel_canonical_same_site_only(archive):
    s = CrawlSession(archive, warmup_pages=1)
    a = ingest(s, page("http://site.test/a?x=1", canonical="/news/talks"))
    b = ingest(s, page("http://site.test/b", text="B " * 200, canonical="http://evil.test/news/talks"))
    s.finish()
    assert archive.load_document(a.doc_id)["url"] == "http://site.test/news/talks"
    assert archive.load_document(b.doc_id)["url"] == "http://site.test/b"


def test_document_lost_from_listing_is_merged_not_overwritten(archive):
    s = CrawlSession(archive, warmup_pages=1)
    d = ingest(s, page("http://site.test/news/talks"))
    s.intents.begin(sorted(s.batch.dirty))
    s.batch.write()                    # the crawl dies here, before writing its listing
    assert not archive.catalog().has(d.doc_id)
    s2 = CrawlSession(archive, warmup_pages=1)
    d2 = ingest(s2, page("http://site.test/news/talks", text=TEXT + " Edited."))
    s2.finish()
    assert d2.doc_id == d.doc_id and d2.action == "version"
    assert len(archive.load_document(d.doc_id)["versions"]) == 2


@pytest.fixture
def filled(archive):
    s = CrawlSession(archive, spider="test", warmup_pages=1)
    ids = [ingest(s, page("http://site.test/news/talks")).doc_id,
           ingest(s, page("http://site.test/news/other", text="Other text " * 50, title="Other story")).doc_id]
    s.finish({"archive/pages": 2})
    return archive, ids


def test_cli_list_show_export_stats_verify(filled, capsys):
    archive, ids = filled
    uri = archive.uri
    code, out, _ = run(capsys, "--archive", uri, "list")
    assert code == 0 and len(out.splitlines()) == 2 and "Talks resume" in out
    code, out, _ = run(capsys, "--archive", uri, "list", "--json")
    assert {e["id"] for e in json.loads(out)} == set(ids)
    code, out, _ = run(capsys, "--archive", uri, "show", ids[0])
    assert code == 0 and "Talks resume" in out and "versions:  1" in out and TEXT.strip()[:40] in out
    code, out, _ = run(capsys, "--archive", uri, "show", "http://site.test/news/talks?utm_source=z")
    assert code == 0 and ids[0] in out, "a tracking-parameter URL finds the document"
    code, out, _ = run(capsys, "--archive", uri, "show", ids[1], "--json")
    assert json.loads(out)["title"] == "Other story"
    code, out, _ = run(capsys, "--archive", uri, "export")
    records = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["id"] for r in records) == sorted(ids)
    assert all({"id", "url", "aliases", "title", "text", "published", "site", "versions"} <= set(r) for r in records)
    code, out, _ = run(capsys, "--archive", uri, "stats", "--json")
    st = json.loads(out)
    assert (st["documents"], st["versions"], st["blobs"]) == (2, 2, 2)
    assert st["last_crawl"]["counts"]["archive/pages"] == 2
    code, out, _ = run(capsys, "--archive", uri, "stats")
    assert "documents:  2" in out
    code, out, _ = run(capsys, "--archive", uri, "verify")
    assert code == 0 and "ok: 2 documents verified" in out


def test_verify_finds_corruption(filled, capsys):
    archive, ids = filled
    doc = archive.load_document(ids[0])
    key = doc["versions"][0]["blob"]
    archive.store.put(key, b"not gzip at all")
    archive.store.delete(archive.load_document(ids[1])["versions"][0]["blob"])
    archive.store.put("docs/0000000000000000.json", b"{broken")
    code, out, err = run(capsys, "--archive", archive.uri, "verify")
    assert code == 1
    assert f"blob {key} is not valid gzip" in out
    assert "is missing" in out
    assert "document 0000000000000000: not valid JSON" in out
    assert "3 problem(s)" in err or "problem(s)" in err


def test_verify_finds_swapped_blob(filled, capsys):
    archive, ids = filled
    doc = archive.load_document(ids[0])
    other = archive.load_document(ids[1])["versions"][0]["blob"]
    archive.store.put(doc["versions"][0]["blob"], archive.store.get(other))
    code, out, _ = run(capsys, "--archive", archive.uri, "verify")
    assert code == 1 and "not the digest in its name" in out


def test_reindex_repairs_listing(filled, capsys):
    archive, ids = filled
    for key in list(archive.store.list("index/")):
        archive.store.delete(key)
    code, out, _ = run(capsys, "--archive", archive.uri, "verify")
    assert code == 1 and "not in the listing index" in out
    assert run(capsys, "--archive", archive.uri, "reindex")[0] == 0
    assert run(capsys, "--archive", archive.uri, "verify")[0] == 0


def test_cli_errors_are_one_line(tmp_path, filled, capsys, monkeypatch):
    archive, _ = filled
    code, out, err = run(capsys, "--archive", str(tmp_path / "missing"), "list")
    assert code == 1 and err.strip().startswith("Error: archive not found") and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "--archive", archive.uri, "show", "ffffffffffffffff")
    assert code == 1 and "no document with id ffffffffffffffff" in err
    code, out, err = run(capsys, "--archive", "ftp://x/y", "list")
    assert code == 1 and "unsupported archive URI scheme" in err
    monkeypatch.setenv("ARCHIVE_URI", archive.uri)
    code, out, _ = run(capsys, "list")
    assert code == 0 and len(out.splitlines()) == 2, "ARCHIVE_URI is the fallback"


@pytest.mark.parametrize("command", ["list", "show", "export", "stats", "verify", "reindex"])
def test_every_command_has_help_with_example(command, capsys):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "Example:" in out


def test_blob_is_content_addressed(archive):
    ref1 = archive.put_blob(b"same bytes")
    ref2 = archive.put_blob(b"same bytes")
    assert ref1.key == ref2.key == blob_key(ref1.sha256) and ref1.new and not ref2.new
    assert archive.get_blob(ref1.sha256) == b"same bytes"


def test_verify_finds_a_missing_warc_file_for_every_version_naming_it(archive, capsys):
    s = CrawlSession(archive, spider="test", warmup_pages=1)
    for p in (page("http://site.test/news/talks"),
              page("http://site.test/news/other", text="Other text " * 50, title="Other story")):
        snap = s.store_snapshot(b"<html><body>" + p["article"]["text"].encode() + b"</body></html>", url=p["url"],
                                fetched_at=p["fetched_at"], response_headers=[("Content-Type", "text/html")])
        p.update(body_sha256=snap.sha256, body_size=snap.size, blob=snap.blob,
                 warc={"file": snap.warc.file, "offset": snap.warc.offset, "length": snap.warc.length})
        ingest(s, p)
    s.finish()
    ids = [e["id"] for e in archive.catalog().entries()]
    warcs = {archive.load_document(i)["versions"][0].get("warc", {}).get("file") for i in ids}
    assert len(ids) == 2 and len(warcs) == 1 and None not in warcs, "both records are in one WARC file"
    assert run(capsys, "--archive", archive.uri, "verify")[0] == 0
    archive.store.delete(warcs.pop())
    code, out, err = run(capsys, "--archive", archive.uri, "verify")
    assert code == 1 and out.count("is missing (run 'archive flush' where the crawl ran)") == 2, out
    assert "2 problem(s) in 2 document(s)" in err
