"""Page typing by structure (archive.pages.skip_reason with archive.structure evidence): listing,
section, front, tag, author, date-archive and search pages are skipped in every layout, with or
without class names, whatever their URL; articles are filed at listing-looking URLs too."""
import random

import pytest

from archive.extract import extract
from archive.pages import article_url, listing_url, skip_reason
from tests.listings import KINDS, LAYOUTS, article, generate, listing


def typed(url, html):
    found = {}
    art = extract(html, url, report=found)
    return skip_reason(url, art, structure=found.get("structure")), art, found.get("structure")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("classes", [True, False], ids=["classes", "bare"])
def test_listing_pages_are_skipped_in_every_layout(layout, classes):
    rng = random.Random(hash((layout, classes)) & 0xFFFF)
    for kind in KINDS:
        url, html = listing(layout, kind, rng, classes)
        reason, _, evidence = typed(url, html)
        assert reason is not None, (layout, kind, evidence)
        assert reason in {"listing", "listing_url", "no_main_text"}, reason


@pytest.mark.parametrize("layout", LAYOUTS)
def test_listings_are_recognised_by_structure_even_at_article_like_urls(layout):
    """The URL does not decide: the same listing served at an article-looking URL is still one."""
    rng = random.Random(3)
    for kind in ("section", "tag", "author", "date"):
        _, html = listing(layout, kind, rng)
        reason, _, evidence = typed("https://site.example.net/2022/06/03/some-long-article-slug-here", html)
        assert reason in {"listing", "no_main_text"}, (kind, reason, evidence)


@pytest.mark.parametrize("path", ["/?p=123", "/archives/123", "/news", "/2022/06/", "/tag/drought/", "/"])
@pytest.mark.parametrize("layout", ["wp-classic", "drupal-views", "grid"])
def test_articles_are_filed_whatever_their_url(layout, path):
    """An article with a related-cards block is filed at /?p=123 and /archives/123 (WordPress
    permalinks), and even at /news or /2022/06/: URL shapes never decide alone."""
    url, html = article(layout, path, random.Random(11))
    reason, art, evidence = typed(url, html)
    assert reason is None, (reason, evidence)
    assert art.structure["teased"] >= 4 and not art.structure["listing"]


def test_url_evidence_helpers():
    assert article_url("https://x.example/?p=123") and not listing_url("https://x.example/?p=123")
    assert article_url("https://x.example/archives/123") and not listing_url("https://x.example/archives/123")
    assert listing_url("https://x.example/2022/06/") and listing_url("https://x.example/news")
    assert listing_url("https://x.example/tag/drought/") and listing_url("https://x.example/?s=harbour")
    assert listing_url("https://x.example/index.php/opinion") and listing_url("https://x.example/news/page/2/")
    assert not listing_url("https://x.example/2022/06/ministers-agree-a-new-timetable")


def test_without_structure_evidence_the_url_rules_remain():
    class Art:
        page_type, has_article_markup, published, text, structure = "article", True, "2022-06-01", "w " * 200, {}
    assert skip_reason("https://x.example/tag/drought/", Art()) == "listing_url"
    assert skip_reason("https://x.example/?p=123", Art()) is None
    assert skip_reason("https://x.example/?p=123", None) == "no_main_text"


def test_generated_set_is_typed_without_error():
    wrong = [(layout, kind, url) for layout, kind, url, html in generate()
             if (typed(url, html)[0] is None) != (kind == "article")]
    assert wrong == []
