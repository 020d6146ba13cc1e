"""Incremental recrawls: the demo site (which sends ETag and Last-Modified) crawled, then
crawled again unchanged. The recrawl asks conditionally for the articles it fetched before,
extracts nothing, and writes only its report, its WARC file and its CDXJ; `archive show` and
`archive export` give the last_seen of the 304s."""
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.archive import Archive
from archive.validators import load_validators
from archive.warc import NOT_MODIFIED_PROFILE
from tests.crawling import archive_cmd, export, scrapy_crawl
from tests.demosite import build_site, serve


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def recrawls(tmp_path_factory):
    root = tmp_path_factory.mktemp("recrawl") / "archive"
    out = {}
    with serve(build_site(variant=0), port=0) as server:
        scrapy_crawl("news", server.base_url + "/", str(root))
        out["first_log"] = list(server.request_log)
        out["validators"] = load_validators(Archive.open(str(root)))
        out["before"] = snapshot(root)
        server.clear_requests()
        out["second"] = scrapy_crawl("news", server.base_url + "/", str(root))
        out["second_log"] = list(server.request_log)
        out["after"] = snapshot(root)
        out["export_after_second"] = export(str(root))
        server.clear_requests()
        # Without trusting sitemap <lastmod>: every article fetched before is asked for again.
        scrapy_crawl("news", server.base_url + "/", str(root), settings={"ARCHIVE_SITEMAP_LASTMOD": "0"})
        out["third_log"] = list(server.request_log)
    out["reports"] = [json.loads(p.read_text()) for p in sorted((root / "crawls").glob("*.json"))]
    out["root"] = root
    return out


def test_validators_kept_for_every_article_url_fetched(recrawls):
    validators, reports = recrawls["validators"], recrawls["reports"]
    assert len(validators) == reports[0]["counts"]["archive/articles"]
    assert all(v.get("etag") and v.get("last_modified") and v.get("doc_id") for v in validators.values())
    served = {r["path"] for r in recrawls["first_log"] if r["status"] == 200}
    assert {path_of(u) for u in validators} <= served


def test_unchanged_recrawl_is_conditional_and_extracts_nothing(recrawls):
    log, validators = recrawls["second_log"], recrawls["validators"]
    second = recrawls["reports"][1]
    c = second["counts"]
    conditional = [r for r in log if r.get("if_none_match")]
    answered_304 = [r for r in log if r["status"] == 304]
    known_paths = {path_of(u) for u in validators}
    asked = {r["path"] for r in conditional}
    assert asked <= known_paths, "only article URLs fetched before are asked conditionally"
    # Every known article URL is either asked conditionally, or not asked at all because the
    # sitemap's <lastmod> predates our last fetch of it.
    assert len(asked) + c.get("archive/skipped/sitemap_lastmod", 0) >= len(known_paths)
    assert len(answered_304) == len(conditional) == c["archive/not_modified"] == c["archive/conditional_requests"]
    assert c.get("archive/articles", 0) == 0 and not second["decisions"]
    assert c.get("archive/blobs_new", 0) == 0
    # Home and listing pages are fetched in full: they are how new articles are found.
    assert [r for r in log if r["path"] == "/" and r["status"] == 200 and not r.get("if_none_match")]
    assert second["finish_reason"] == "finished" and recrawls["second"].returncode == 0
    print(f"recrawl: {len(log)} requests, {len(conditional)} conditional, {len(answered_304)} answered 304, "
          f"{c.get('archive/skipped/sitemap_lastmod', 0)} skipped by sitemap lastmod; "
          f"store requests {second['requests']}")


def test_unchanged_recrawl_writes_only_report_warc_and_cdxj(recrawls):
    before, after = recrawls["before"], recrawls["after"]
    report = recrawls["reports"][1]
    crawl_id = report["crawl_id"]
    changed = sorted(k for k in after if before.get(k) != after[k])
    # No originals file (the WARC file holds revisits only), no validators segment (a 304 changes
    # no validator), no document (last_seen comes from the CDXJ), no listing, no index but the WARC
    # index segment that names the new CDXJ.
    assert sorted(k.rsplit(".", 1)[-1] for k in changed) == ["cdxj", "gz", "json", "json"], changed
    assert all(k.startswith((f"crawls/{crawl_id}", f"warc/{crawl_id}-", "index/warcs/")) for k in changed), changed
    assert [k for k in changed if k.startswith("index/warcs/")] == [
        k for k in changed if k.startswith("index/warcs/") and k.endswith(f"-{crawl_id}-00001.json")], changed
    assert not [k for k in before if k not in after], "nothing removed"
    assert report["requests"].get("PUT", 0) == len(changed) - 1 == 3   # the report is the last PUT
    assert report["counts"]["archive/validators_written"] == 0


def test_304_is_a_server_not_modified_revisit_record(recrawls):
    root, report = recrawls["root"], recrawls["reports"][1]
    records = []
    for key in report["warc_files"]:
        with open(root / key, "rb") as fh:
            records += [(r.rec_type, r.rec_headers.get_header("WARC-Profile"),
                         r.rec_headers.get_header("WARC-Refers-To-Target-URI"),
                         r.rec_headers.get_header("WARC-Refers-To-Date"),
                         r.http_headers.get_statuscode() if r.http_headers else None)
                        for r in ArchiveIterator(fh)]
    # (pages fetched in full again with the same bytes are identical-payload revisits)
    revisits = [r for r in records if r[0] == "revisit" and r[1] == NOT_MODIFIED_PROFILE]
    assert len(revisits) == report["counts"]["archive/not_modified"]
    validators = recrawls["validators"]
    for _, profile, uri, date, status in revisits:
        assert profile == NOT_MODIFIED_PROFILE and status == "304"
        assert date.startswith(validators[uri]["fetched_at"][:19])


def test_304_updates_last_seen(recrawls):
    """A 304 writes no document, yet `archive export` and `archive show` say the document was
    seen by the recrawl: the catalogue reads it from the 304 revisit records' CDXJ lines."""
    first, second = recrawls["reports"][0], recrawls["reports"][1]
    stored = {json.loads(v)["id"]: json.loads(v) for k, v in recrawls["after"].items() if k.startswith("docs/")}
    revalidated = {d["id"]: d for d in recrawls["export_after_second"] if d["last_seen"] != stored[d["id"]]["last_seen"]}
    assert len(revalidated) >= 1 and second["counts"]["archive/not_modified"] > 0
    for doc_id, doc in revalidated.items():
        assert second["started_at"] <= doc["last_seen"] <= second["finished_at"], doc["last_seen"]
        assert stored[doc_id]["last_seen"] <= first["finished_at"] and doc["rev"] == stored[doc_id]["rev"]
    # Every document a 304 confirmed: one per conditional URL answered 304.
    asked = {r["path"] for r in recrawls["second_log"] if r["status"] == 304}
    confirmed = {path_of(u) for d in revalidated.values() for u in [d["url"], *d["aliases"]]}
    assert asked <= confirmed
    # After the third crawl (every article asked again), `archive show` by URL prints it.
    third = recrawls["reports"][2]
    doc_id = next(iter(revalidated))
    code, out, err = archive_cmd("--archive", str(recrawls["root"]), "show", stored[doc_id]["url"], "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert third["started_at"] <= shown["last_seen"] <= third["finished_at"] and shown["rev"] == stored[doc_id]["rev"]
    code, out, err = archive_cmd("--archive", str(recrawls["root"]), "show", doc_id)
    assert code == 0 and f"last seen:  {shown['last_seen']}" in out, out


def test_without_lastmod_every_article_fetched_before_is_asked(recrawls):
    log, validators = recrawls["third_log"], recrawls["validators"]
    asked = {r["path"] for r in log if r.get("if_none_match")}
    known = {path_of(u) for u in validators}
    assert asked == known
    assert len([r for r in log if r["status"] == 304]) == len(asked)
    third = recrawls["reports"][2]["counts"]
    assert third.get("archive/articles", 0) == 0 and third["archive/not_modified"] == len(asked)
