"""Is a page an article? Listing, section, front, tag, author, date-archive and search pages,
and static pages, never become documents.

A page is typed by what it is (:mod:`archive.structure`): most of its text in teaser cards
linking to other pages, many article links, no single body of running text. URL shapes and
site profiles only add evidence: they tip a page that structure already finds list-like, and
never decide alone, so a real article at ``/?p=123`` or ``/archives/123`` is still filed and
``/news`` or ``/2022/06/`` on an unknown site is recognised by its cards.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# Path shapes of listing pages on news sites (sections are site-profile additions).
LISTING_PATH_RE = re.compile(
    r"^/(?:$|(?:index\.php/?)?$|(?:tags?|topics?|category|categories|section|sections|author|authors|"
    r"search|archive|archives|page)(?:/|$))",
    re.IGNORECASE,
)
DATE_ARCHIVE_RE = re.compile(r"^/(?:19|20)\d\d(?:/[01]?\d(?:/[0-3]?\d)?)?/?$")
PAGED_RE = re.compile(r"/page/\d+/?$", re.IGNORECASE)
SECTION_RE = re.compile(r"^/[a-z][a-z_]*/?$", re.IGNORECASE)   # /news, /opinion: one word, no id
LISTING_QUERY_KEYS = {"page", "paged", "q", "s", "search", "tag", "category", "cat", "author"}
# Article permalinks: a post id (?p=123, /archives/123, /node/123, a long number), a long slug
ARTICLE_QUERY_RE = re.compile(r"(?:^|&)(?:p|page_id|id|story|article|node|nid)=\d+(?:&|$)", re.IGNORECASE)
ARTICLE_PATH_RE = re.compile(r"/(?:archives|node|p|story|article|articles)/\d+/?$|\d{5,}|"
                             r"[a-z0-9]+(?:-[a-z0-9]+){3,}(?:\.html?)?/?$", re.IGNORECASE)
MIN_ARTICLE_WORDS = 100
URL_TIPS_TEASED = 3         # a listing-looking URL with this many teased pages...
URL_TIPS_BODY = 1000        # ...and less running text than this outside its cards is a listing


def _path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = re.sub(r"^/index\.php(?=/|$)", "", parts.path) or "/"
    return path, parts.query


def listing_url(url: str, listing_paths: tuple[str, ...] = ()) -> bool:
    """Does the URL look like a listing (evidence only)?"""
    path, query = _path(url)
    if article_url(url):
        return False
    if path.rstrip("/") in {p.rstrip("/") for p in listing_paths}:
        return True
    if LISTING_PATH_RE.match(path) or DATE_ARCHIVE_RE.match(path) or PAGED_RE.search(path):
        return True
    if LISTING_QUERY_KEYS & set(parse_qs(query)):
        return True
    return bool(SECTION_RE.match(path))


def article_url(url: str) -> bool:
    """Does the URL look like an article permalink (evidence only)?"""
    path, query = _path(url)
    return bool(ARTICLE_QUERY_RE.search(query) or ARTICLE_PATH_RE.search(path))


def _number_of_words(text: str) -> int:
    words = len(text.split())
    # languages written without spaces: count characters of CJK scripts as words, roughly
    cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text))
    return max(words, cjk // 2)


def skip_reason(url: str, article, *, listing_paths: tuple[str, ...] = (),
                structure: dict | None = None) -> str | None:
    """Why a page is not an article (a short reason for the crawl report), or None if it is one.

    ``article`` is an :class:`archive.extract.Article` or None; ``structure`` is the page-type
    evidence of :mod:`archive.structure` (``Structure.summary()``; taken from ``article.structure``
    when not given); ``listing_paths`` are paths a site profile knows to be section listings.
    """
    evidence = structure if structure is not None else (getattr(article, "structure", None) or {})
    looks_listing = listing_url(url, listing_paths)
    if evidence:
        if evidence.get("listing"):
            return "listing"
        list_like = (evidence.get("teased", 0) >= URL_TIPS_TEASED
                     and evidence.get("body_chars", 0) < URL_TIPS_BODY)
        if list_like and (looks_listing or evidence.get("pagination")):
            return "listing_url"
    elif looks_listing:   # no structure evidence (structure pass switched off): the URL is all there is
        return "listing_url"
    if article is None:
        return "no_main_text"
    if article.page_type and article.page_type.lower() not in ("article", "newsarticle", "blogposting"):
        if not article.has_article_markup:
            return f"page_type_{re.sub(r'[^a-z0-9]+', '_', article.page_type.lower())}"
    if not getattr(article, "holds_article", True):
        return "no_main_text"  # extract's gates: listing, hub or near-empty text (article.not_article)
    if article.has_article_markup:
        return None
    if not article.published:
        return "no_date"
    if _number_of_words(article.text) < MIN_ARTICLE_WORDS:
        return "too_short"
    return None
