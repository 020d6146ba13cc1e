"""Page typing by structure (archive.pages.skip_reason with archive.structure evidence): listing,
section, front, tag, author, date-archive and search pages are skipped in every layout, with or
without class names, whatever their URL; articles are filed at listing-looking URLs too."""
import random

import pytest

from archive.extract import extract
from archive.pages import article_url, listing_url, skip_reason
from benchmarks.sitegen import FAMILIES
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


# -- a lone post: page N of a list, or an article headed by a link --------------------------------
def _post(title, href, paragraphs, meta="By Ann Lee, 3 June 2022"):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<div><div><h2><a href="{href}">{title}</a></h2><div>{meta}</div>{body}'
            f'<p><a href="{href}">Read more: {title}</a></p></div></div>')


def _page(main, rng, extra=""):
    side = "".join(f'<li><a href="{t["url"]}">{t["title"]}</a></li>' for t in _teasers_for(rng, 6))
    return (f"<html><head><title>Harbour news</title></head><body><header><a href='/'>Harbour news</a></header>"
            f"<main>{main}</main>{extra}<aside><h3>Most read</h3><ol>{side}</ol></aside>"
            f"<footer><p>Copyright 2022 Harbour news. All rights reserved.</p></footer></body></html>")


def _teasers_for(rng, n):
    from tests.listings import _teasers
    return _teasers(rng, n)


def _long(rng, n=2):
    from tests.listings import _paragraph
    return [_paragraph(rng, 6) for _ in range(n)]


def test_last_page_of_a_list_with_one_long_post_is_a_listing():
    """Page 2 of a list may hold one post whose intro is long: it is a listing because the page
    links to the same list with another page number (here page 1, without one)."""
    rng = random.Random(5)
    posts = _post("Council approves the new harbour budget after a long night", "/harbour/1042-council-approves",
                  _long(rng))
    pager = '<ul><li><a href="/harbour">1</a></li><li><a href="#">2</a></li></ul><p>Page 2 of 2</p>'
    url = "https://site.example.net/harbour?start=8"
    reason, _, evidence = typed(url, _page(f"<h1>Harbour</h1><div>{posts}</div>{pager}", rng))
    assert evidence["pagination"] and evidence["items"] == 1
    assert reason == "listing", evidence
    # the same lone post on a page that is no page of a list: an article headed by a link to itself
    reason, _, evidence = typed("https://site.example.net/harbour/1042-council-approves-budget",
                                _page(f"<div>{posts}</div>", rng))
    assert not evidence["pagination"] and reason is None, (reason, evidence)


def test_a_long_post_beside_short_posts_of_its_shape_is_a_listing():
    """An author page with two posts, one with a long intro, one short: the short one is a card
    of the same shape, so the long one is one post of a list, not an article."""
    rng = random.Random(6)
    long_post = _post("Ministers agree a new timetable for the rail freight line", "/rail/1050-ministers-agree",
                      _long(rng))
    short_post = _post("Fishermen protest against the new ferry tariffs at the coast", "/coast/1057-fishermen",
                       [_long(rng, 1)[0][:200]])
    url = "https://site.example.net/authors/ann-lee"
    reason, _, evidence = typed(url, _page(f"<h1>Ann Lee</h1><div>{long_post}{short_post}</div>", rng))
    assert evidence["items"] == 1 and evidence["item_cards"] == 1
    assert reason == "listing", evidence


def test_an_article_headed_by_a_link_over_cards_of_other_shapes_is_filed():
    """A news article whose headline links to its canonical address, with related cards below
    of another shape and a most-read list: filed (no page of a list, no same-shape posts)."""
    rng = random.Random(7)
    article_body = _post("Drought hits the farmland villages along the river", "/news/drought-hits-farmland-villages",
                         _long(rng, 5))
    cards = "".join(f'<div><a href="{t["url"]}"><img src="/i.jpg" alt=""></a><h3><a href="{t["url"]}">{t["title"]}'
                    f'</a></h3><span>{t["date"]}</span></div>' for t in _teasers_for(rng, 4))
    url = "https://site.example.net/news/drought-hits-farmland-villages?ref=home"
    reason, art, evidence = typed("https://site.example.net/world/2022/06/03/drought-hits-farmland-villages-1",
                                  _page(f"<div>{article_body}<section><h2>Related</h2>{cards}</section></div>", rng))
    assert evidence["items"] == 1 and evidence["item_cards"] == 0 and evidence["teased"] >= 5
    assert reason is None, evidence


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_route_of_each_site_family_is_typed(family):
    """Every listing page (home, section, tag, author, month, with their later pages) of each
    benchmarks/sitegen family is skipped and every article page is filed."""
    from benchmarks.sitegen import build_site
    site = build_site(family, 0)
    wrong = []
    for path, route in site.routes.items():
        if route[0] == "listing" or (route[0] == "article" and route[2] == "canonical"):
            _, _, body = site.render(path, "127.0.0.1:8000")
            reason = typed("http://127.0.0.1:8000" + path, body)[0]
            if (reason is None) != (route[0] == "article"):
                wrong.append((path, route[0], reason))
    assert wrong == []
