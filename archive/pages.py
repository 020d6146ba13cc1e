"""Is a page an article? Listing, section, tag and static pages never become documents."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# Path shapes of listing pages on news sites (sections are site-profile additions).
LISTING_PATH_RE = re.compile(
    r"^/(?:$|(?:index\.php/?)?$|(?:tags?|topics?|category|categories|section|sections|author|authors|"
    r"search|archive|archives|page)(?:/|$))",
    re.IGNORECASE,
)
LISTING_QUERY_KEYS = {"page", "p", "q", "s", "search", "tag", "category"}
MIN_ARTICLE_WORDS = 100


def skip_reason(url: str, article, *, listing_paths: tuple[str, ...] = ()) -> str | None:
    """Why a page is not an article (a short reason for the crawl report), or None if it is one.

    ``article`` is an :class:`archive.extract.Article` or None; ``listing_paths`` are paths that a
    site profile knows to be section listings (``/news``, ``/opinion``).
    """
    parts = urlsplit(url)
    path = re.sub(r"^/index\.php(?=/|$)", "", parts.path) or "/"
    if path.rstrip("/") in {p.rstrip("/") for p in listing_paths} or LISTING_PATH_RE.match(path):
        return "listing_url"
    if LISTING_QUERY_KEYS & set(parse_qs(parts.query)):
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
    if len(article.text.split()) < MIN_ARTICLE_WORDS:
        return "too_short"
    return None
