"""Issue 7 parts 4-5: the archive a crawl builds does not depend on fetch order or concurrency.

The demo site is crawled twice, into two fresh archives, at CONCURRENT_REQUESTS=1 and =16, then
both are recrawled with variant 1 (a one-sentence edit, a teaser-only change, a new article).
The exports must be the same: url, aliases, text, and the texts of every version."""
import pytest

from archive.archive import Archive
from tests.crawling import export, scrapy_crawl
from tests.demosite import build_site, serve


def comparable(archive_dir) -> dict:
    archive = Archive.open(str(archive_dir))
    out = {}
    for doc in export(str(archive_dir)):
        out[doc["url"]] = {"aliases": sorted(doc["aliases"]), "text": doc["text"], "title": doc["title"],
                           "versions": [archive.version_text(doc, n) for n in range(1, len(doc["versions"]) + 1)]}
    return out


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("determinism")
    results = {}
    with serve(build_site(variant=0), port=0) as server:
        start = server.base_url + "/"
        for n in (1, 16):
            scrapy_crawl("news", start, str(root / f"c{n}"), settings={
                "CONCURRENT_REQUESTS": str(n), "CONCURRENT_REQUESTS_PER_DOMAIN": str(n),
                "ARCHIVE_SPOOL_DIR": str(root / f"spool{n}")})
            results[n, 0] = comparable(root / f"c{n}")
        server.site = build_site(variant=1)
        for n in (1, 16):
            scrapy_crawl("news", start, str(root / f"c{n}"), settings={
                "CONCURRENT_REQUESTS": str(n), "CONCURRENT_REQUESTS_PER_DOMAIN": str(n),
                "ARCHIVE_SPOOL_DIR": str(root / f"spool{n}")})
            results[n, 1] = comparable(root / f"c{n}")
    return results


def test_same_archive_at_concurrency_1_and_16(crawled):
    one, sixteen = crawled[1, 0], crawled[16, 0]
    assert len(one) >= 15
    assert set(one) == set(sixteen)
    for url in one:
        assert one[url] == sixteen[url], url
    assert all(len(d["versions"]) == 1 for d in one.values()), "one crawl makes one version per article"


def test_same_recrawl_at_concurrency_1_and_16_with_versions_only_for_the_edit(crawled):
    one, sixteen = crawled[1, 1], crawled[16, 1]
    assert one == sixteen
    site = build_site(variant=1)
    edited = [url for url, d in one.items() if len(d["versions"]) > 1]
    assert len(edited) == 1 and edited[0].endswith(site.edited_slug), edited
    doc = one[edited[0]]
    assert doc["versions"][0] == crawled[1, 0][edited[0]]["text"], "the previous text stays retrievable"
    assert len(doc["versions"]) == 2 and doc["versions"][1] == doc["text"] != doc["versions"][0]
