"""Deduplication end to end: the demo site crawled twice through a real local server.

Second crawl (variant 1): one article edited by one sentence, one with only new teaser cards,
one new article. Checked through `archive export`, as a user would."""
import json
from urllib.parse import urlsplit

import pytest

from archive.teasers import norm
from tests.crawling import archive_cmd, export, scrapy_crawl
from tests.demosite import build_site, serve


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    archive_dir = tmp_path_factory.mktemp("dedup") / "archive"
    with serve(build_site(variant=0), port=0) as server:
        scrapy_crawl("news", server.base_url + "/", str(archive_dir))
        first = export(str(archive_dir))
        served_first = list(server.requests)
        server.site = build_site(variant=1)
        server.clear_requests()
        scrapy_crawl("news", server.base_url + "/", str(archive_dir))
        served_second = list(server.requests)
    reports = [json.loads(p.read_text()) for p in sorted((archive_dir / "crawls").glob("*.json"))]
    return {"dir": archive_dir, "first": first, "docs": export(str(archive_dir)), "reports": reports,
            "site": build_site(variant=1), "served": served_first + served_second}


def urls_of(doc):
    return [doc["url"], *doc["aliases"]]


def docs_with_path(docs, path):
    return [d for d in docs if any(urlsplit(u).path == path for u in urls_of(d))]


def test_each_article_is_exactly_one_document(twice):
    site, docs = twice["site"], twice["docs"]
    originals = [a for a in site.articles if not a["republished_of"]]
    for art in originals:
        holders = docs_with_path(docs, art["path"])
        assert len(holders) == 1, (art["path"], [d["id"] for d in holders])
    article_docs = [d for d in docs if urlsplit(d["url"]).path in {a["path"] for a in originals}]
    assert len(article_docs) == len(originals)


def test_republished_copy_is_an_alias_of_the_original(twice):
    site, docs = twice["site"], twice["docs"]
    for art in site.articles:
        if art["republished_of"]:
            holders = docs_with_path(docs, art["path"])
            assert len(holders) == 1 and urlsplit(holders[0]["url"]).path == art["republished_of"]


def test_every_url_seen_is_in_the_right_document(twice):
    site, docs = twice["site"], twice["docs"]
    for served in set(twice["served"]):
        path = urlsplit(served).path
        plain = path[len("/index.php"):] if path.startswith("/index.php/") else path
        art = site.article(plain)
        if art is None:
            continue
        want = art["republished_of"] or art["path"]
        holders = [d for d in docs if any(urlsplit(u).path in (path, plain) and (urlsplit(u).query or "") ==
                                          (urlsplit(served).query or "") for u in urls_of(d))]
        assert holders, f"{served} is in no document"
        assert all(urlsplit(d["url"]).path == want for d in holders), served
    index_php = [u for d in docs for u in d["aliases"] if "/index.php/" in u]
    utm = [u for d in docs for u in d["aliases"] if "utm_" in u]
    assert index_php and utm


def test_no_teaser_summary_leaks_into_another_article(twice):
    site, docs = twice["site"], twice["docs"]
    for doc in docs:
        path = urlsplit(doc["url"]).path
        own = site.article(path)
        if own is None:
            continue
        own_text = {norm(p) for p in [own["lead"], *own["paragraphs"]]}
        kept = {norm(b) for b in doc["text"].split("\n")}
        for other in site.articles:
            lead = norm(other["lead"])
            if other["path"] == path or lead in own_text:
                continue
            assert lead not in kept, f"teaser of {other['path']} in {path}"
            assert norm(other["title"]) not in kept, f"teaser title of {other['path']} in {path}"
        assert doc["removed"]["count"] > 0 and doc["removed"]["teasers"]


def test_own_lead_and_body_are_kept(twice):
    site, docs = twice["site"], twice["docs"]
    for doc in docs:
        own = site.article(urlsplit(doc["url"]).path)
        if own is None:
            continue
        kept = {norm(b) for b in doc["text"].split("\n")}
        for para in [own["lead"], *own["paragraphs"]]:
            assert norm(para) in kept, f"{own['path']} lost: {para[:60]}"


def test_versions_only_for_real_changes(twice):
    site, docs = twice["site"], twice["docs"]
    by_path = {urlsplit(d["url"]).path: d for d in docs}
    edited = next(a for a in site.articles if a["slug"] == site.edited_slug)
    assert len(by_path[edited["path"]]["versions"]) == 2
    assert site.edit_info["new"] in by_path[edited["path"]]["text"]
    for path, doc in by_path.items():
        if path != edited["path"]:
            assert len(doc["versions"]) == 1, f"{path} has {len(doc['versions'])} versions"
    new = next(a for a in site.articles if a["slug"] == site.new_slug)
    assert new["path"] in by_path


def test_recrawl_counts(twice):
    first, second = twice["reports"]
    c1, c2 = first["counts"], second["counts"]
    assert c1.get("archive/decision/version", 0) == 0
    assert c2["archive/decision/version"] == 1
    assert c2["archive/decision/new"] == 1
    assert c1["archive/decision/alias"] >= 10
    assert c2["archive/blobs_new"] <= 6, "only changed pages store new bytes"
    for d in second["decisions"]:
        assert {"action", "doc_id", "url", "layer"} <= set(d)
        if d["action"] == "alias" and d["layer"] == "simhash":
            assert d["distance"] <= 6 and d["containment"] >= 0.8


def test_show_and_stats_tell_versions_aliases_and_decisions(twice):
    site, docs = twice["site"], twice["docs"]
    edited = next(d for d in docs if site.edited_slug in d["url"])
    code, out, _ = archive_cmd("--archive", str(twice["dir"]), "show", edited["id"])
    assert code == 0 and "versions:  2" in out and out.count("alias:") == len(edited["aliases"])
    code, out, _ = archive_cmd("--archive", str(twice["dir"]), "stats")
    assert code == 0 and "archive/decision/version: 1" in out
    code, out, err = archive_cmd("--archive", str(twice["dir"]), "verify")
    assert code == 0, out + err


def test_recrawl_writes_the_validators_of_changed_pages_only(twice):
    """A recrawl's validators segment holds the article URLs fetched for the first time and those
    whose body (and so ETag) changed, and none a 304 confirmed: an unchanged article costs no
    index write."""
    report = twice["reports"][1]
    folder = twice["dir"] / "index" / "validators"
    known = json.loads((folder / f"{twice['reports'][0]['crawl_id']}.json").read_text())
    segment = json.loads((folder / f"{report['crawl_id']}.json").read_text())
    before, after = build_site(variant=0), twice["site"]

    def body(site, url):
        parts = urlsplit(url)
        return site.render(parts.path + (f"?{parts.query}" if parts.query else ""), parts.netloc)[2]

    unchanged = [u for u in segment if u in known and body(before, u) == body(after, u)]
    assert segment and not unchanged, unchanged
    slugs = {after.article(urlsplit(u).path)["slug"] for u in segment}
    assert {after.edited_slug, after.teaser_changed_slug, after.new_slug} <= slugs, slugs
    assert report["counts"]["archive/validators_written"] == len(segment)
    assert report["counts"]["archive/not_modified"] > len(segment)
