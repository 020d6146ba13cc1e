"""End to end: `scrapy crawl news` against the demo site on a real local HTTP server."""
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.crawling import archive_cmd, export, scrapy_crawl
from tests.demosite import build_site, serve


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    site = build_site(variant=0)
    archive_dir = tmp_path_factory.mktemp("crawl") / "archive"
    with serve(site, port=0) as server:
        proc = scrapy_crawl("news", server.base_url + "/", str(archive_dir))
        requests = list(server.request_log)
    return site, server.base_url, archive_dir, proc, requests


def paths_of(doc):
    return {urlsplit(u).path for u in [doc["url"], *doc["aliases"]]}


def test_every_article_archived(crawled):
    site, base, archive_dir, _, _ = crawled
    docs = export(str(archive_dir))
    seen = set().union(*(paths_of(d) for d in docs))
    missing = [p for p in site.article_paths() if p not in seen]
    assert not missing, f"articles not archived: {missing}"
    for doc in docs:
        assert doc["text"] and doc["title"] and doc["versions"], doc["id"]
        assert doc["url"].startswith(base)
        for v in doc["versions"]:
            assert v["blob"].startswith("blobs/sha256/") and len(v["simhash"]) == 16


def test_no_listing_or_static_page_is_a_document(crawled):
    site, _, archive_dir, _, _ = crawled
    non_articles = set(site.non_article_paths())
    docs = export(str(archive_dir))
    stored = [p for d in docs for p in paths_of(d) if p in non_articles]
    assert not stored, f"non-article pages stored as documents: {stored}"
    assert "/private/members" not in set().union(*(paths_of(d) for d in docs))


def test_robots_forbidden_path_never_requested(crawled):
    _, _, _, _, requests = crawled
    paths = [r["path"] for r in requests]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/private/")]
    agents = {r["user_agent"] for r in requests}
    assert agents and all(a.startswith("newsarchive/") and "+http://127.0.0.1/contact" in a for a in agents)


def test_crawl_report_counts_bad_input(crawled):
    _, _, archive_dir, proc, _ = crawled
    reports = sorted((archive_dir / "crawls").glob("*.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text())
    c = report["counts"]
    assert c["archive/error/robots_forbidden"] == 1
    assert c["archive/error/http_404"] >= 1
    assert c["archive/error/http_500"] == 1 and c["retry/count"] >= 2, "500s are retried, then counted"
    assert c["archive/error/too_large"] == 1
    assert c["archive/error/redirect_loop"] == 1
    assert c["archive/skipped/empty"] == 1
    assert c["archive/skipped/listing_url"] >= 5
    assert c["archive/articles"] >= 15 and c["archive/blobs_new"] >= 15 and c["archive/bytes_stored"] > 0
    assert report["elapsed_seconds"] > 0 and report["settings"]["ROBOTSTXT_OBEY"] is True
    assert "Crawl " + report["crawl_id"] in proc.stderr, "the summary is logged at the end"


def test_redirect_chain_is_followed_not_counted_as_an_error(crawled):
    _, _, archive_dir, _, requests = crawled
    paths = [r["path"] for r in requests]
    assert "/bad/redirect" in paths and "/bad/redirect2" in paths, "both hops of the chain were fetched"
    counts = json.loads(next((archive_dir / "crawls").glob("*.json")).read_text())["counts"]
    assert not [k for k in counts if "redirect" in k and k != "archive/error/redirect_loop"], \
        "a redirect chain within the limit is no error"
    assert paths.count("/bad/loop") == 1 and paths.count("/bad/loop2") == 1, "a loop is cut, not followed again"


def test_undeclared_latin1_page_decoded(crawled):
    _, base, archive_dir, _, _ = crawled
    docs = {urlsplit(d["url"]).path: d for d in export(str(archive_dir))}
    doc = docs.get("/bad/latin1")
    assert doc is not None
    assert "Café" in doc["title"] and "\ufffd" not in doc["text"]


def test_archive_verify_and_no_partial_files(crawled):
    _, _, archive_dir, _, _ = crawled
    code, out, err = archive_cmd("--archive", str(archive_dir), "verify")
    assert code == 0, out + err
    assert not [p for p in Path(archive_dir).rglob("*") if p.name.endswith(".tmp")]
    code, out, _ = archive_cmd("--archive", str(archive_dir), "list")
    assert code == 0 and len(out.splitlines()) >= 15


def test_warc_files_hold_every_archived_page(crawled):
    from warcio.archiveiterator import ArchiveIterator

    from archive.archive import Archive
    from archive.warc import digest_hex

    _, _, archive_dir, _, _ = crawled
    archive = Archive.open(str(archive_dir))
    records = {}
    for key in archive.store.list("warc/"):
        if not key.endswith(".warc.gz"):
            continue
        stream = __import__("io").BytesIO(archive.store.get(key))
        types = []
        for rec in ArchiveIterator(stream):
            types.append(rec.rec_type)
            if rec.rec_type in ("response", "revisit"):
                records[(key, rec.rec_headers.get_header("WARC-Target-URI"))] = (
                    rec.rec_type, digest_hex(rec.rec_headers.get_header("WARC-Payload-Digest")))
        assert types[0] == "warcinfo"
    assert records
    for doc in export(str(archive_dir)):
        for v in doc["versions"]:
            ref = v["warc"]
            kind, digest = records[(ref["file"], v["url"])]
            assert digest == v["body_sha256"], v["url"]
            raw = archive.store.get(ref["file"])[ref["offset"]:ref["offset"] + ref["length"]]
            rec = next(ArchiveIterator(__import__("io").BytesIO(raw)))
            assert rec.rec_headers.get_header("WARC-Target-URI") == v["url"]
            if kind == "response":
                assert __import__("hashlib").sha256(rec.content_stream().read()).hexdigest() == v["body_sha256"]
    report = json.loads(next((archive_dir / "crawls").glob("*.json")).read_text())
    assert report["warc_files"] and report["requests"]["PUT"] > 0
    kinds = [k for k, _ in records.values()]
    assert "revisit" in kinds, "identical bodies at several URLs become revisit records"
