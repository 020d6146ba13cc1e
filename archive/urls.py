"""URL layer of deduplication: the canonical form under which an article is filed."""
from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from courlan import normalize_url

from .pages import article_url

# Path prefixes that serve the same page as the path without them (site-profile rules).
DEFAULT_STRIP_PREFIXES = ("/index.php",)


def canonical_url(url: str, *, strip_prefixes: tuple[str, ...] = DEFAULT_STRIP_PREFIXES) -> str:
    """Canonical form: lower-case host, no default port, no fragment, no tracking parameters
    (``utm_*``, ``fbclid``...), sorted query, and the ``/index.php`` front-controller prefix
    removed.

    >>> canonical_url("HTTP://Example.com:80/index.php/news/x?utm_source=a&b=1#top")
    'http://example.com/news/x?b=1'
    """
    try:
        url = normalize_url(url)
    except ValueError:  # courlan rejects some malformed URLs; keep them as they are
        pass
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    path = parts.path or "/"
    for prefix in strip_prefixes:
        if path == prefix:
            path = "/"
        elif path.startswith(prefix + "/"):
            path = path[len(prefix):]
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same host (``www.`` ignored)."""
    ha, hb = (re.sub(r"^www\.", "", urlsplit(u).hostname or "") for u in (a, b))
    return bool(ha) and ha == hb


def credible_canonical(fetched_url: str, declared: str | None,
                       *, strip_prefixes: tuple[str, ...] = DEFAULT_STRIP_PREFIXES) -> str | None:
    """A declared ``rel=canonical``/``og:url`` in :func:`canonical_url` form, or None when it is
    not credible for an article: on another site, the site's home page, or a page above the
    article in the site's tree (``/news`` for ``/news/2024/x``: a section or listing) unless that
    page is an article permalink itself (``/p/some-long-slug`` for ``/p/some-long-slug/comments``,
    ``/2024/05/slug/`` for its ``amp/`` copy). Whether it
    holds the same article is checked later, on the texts (``archive.dedup``)."""
    if not declared:
        return None
    absolute = urljoin(fetched_url, declared.strip())
    if not absolute.startswith(("http://", "https://")) or not same_site(absolute, fetched_url):
        return None
    claimed = canonical_url(absolute, strip_prefixes=strip_prefixes)
    own = canonical_url(fetched_url, strip_prefixes=strip_prefixes)
    if claimed == own:
        return claimed
    c, f = urlsplit(claimed), urlsplit(own)
    c_path, f_path = c.path.rstrip("/"), f.path.rstrip("/")
    if not c_path and not c.query:
        return None                       # the home page
    if not c.query and f_path.startswith(c_path + "/") and not article_url(claimed):
        return None                       # an ancestor of the page: its section or a listing
    # (an ancestor that is itself an article permalink, with a long slug or an id, is the article
    # that an AMP, print, comments or index.html copy below it belongs to)
    return claimed


def choose_canonical(fetched_url: str, declared: str | None,
                     *, strip_prefixes: tuple[str, ...] = DEFAULT_STRIP_PREFIXES) -> str:
    """The page's canonical URL: its declared one when credible (:func:`credible_canonical`),
    else the fetched URL; either way in :func:`canonical_url` form."""
    return (credible_canonical(fetched_url, declared, strip_prefixes=strip_prefixes)
            or canonical_url(fetched_url, strip_prefixes=strip_prefixes))
