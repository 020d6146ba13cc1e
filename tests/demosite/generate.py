"""Build the demo news site in memory and render any URL of it (no server needed).

``build_site(variant)`` returns a :class:`DemoSite`; ``DemoSite.render(path, host)``
is a pure function returning ``(status, headers, body_bytes)``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
from email.utils import format_datetime
from html import escape
from typing import Iterable, Iterator
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from . import content as C

PAGE_SIZE = 5
DEFAULT_HUGE_SIZE = 3 * 1024 * 1024
HOME_CARDS = 6
RSS_ITEMS = 10

HTML_UTF8 = "text/html; charset=utf-8"

# 1x1 transparent GIF
_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

_PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n"
    b"4 0 obj\n<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n"
    + bytes(range(256))
    + b"\nendstream\nendobj\n5 0 obj\n256\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)

_CSS = b"body{font-family:sans-serif;max-width:1100px;margin:auto}.box{padding:8px}\n"

# Bad-input pages: path -> expected status of the first response.
BAD_PAGES = {
    "/files/report.pdf": 200,
    "/bad/empty": 200,
    "/bad/broken": 200,
    "/bad/latin1": 200,
    "/bad/wrong-charset": 200,
    "/bad/huge": 200,
    "/bad/missing": 404,
    "/bad/error": 500,
    "/bad/redirect": 302,
    "/bad/redirect2": 302,
    "/bad/loop": 302,
    "/bad/loop2": 302,
}

# Card link variants: plain, /index.php/ form, utm-tagged, campaign-tagged.
_LINK_FORMS = 4


def _t(s: str) -> str:
    """Escape text content."""
    return escape(s, quote=False)


def _a(s: str) -> str:
    """Escape an attribute value."""
    return escape(s, quote=True)


def _human_date(iso: str) -> str:
    d = _dt.date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _published_time(iso: str) -> str:
    return f"{iso}T08:00:00+00:00"


def _rfc822(iso: str) -> str:
    d = _dt.date.fromisoformat(iso)
    return format_datetime(_dt.datetime(d.year, d.month, d.day, 8, 0, tzinfo=_dt.timezone.utc))


def link_form(path: str, k: int) -> str:
    """Return one of the URL forms under which an article is linked."""
    k %= _LINK_FORMS
    if k == 1:
        return "/index.php" + path
    if k == 2:
        return path + "?utm_source=newsletter&utm_medium=email"
    if k == 3:
        return path + "?utm_campaign=x"
    return path


class DemoSite:
    """An in-memory news site.  Build it with :func:`build_site`."""

    def __init__(self, variant: int, articles: list[dict], meta: dict[str, dict],
                 huge_size: int, edited_slug=None, teaser_changed_slug=None,
                 new_slug=None, edit_info=None):
        self.variant = variant
        self.articles = articles
        self._meta = meta  # path -> {"index","kind","label","jsonld"}
        self.huge_size = huge_size
        self.edited_slug = edited_slug
        self.teaser_changed_slug = teaser_changed_slug
        self.new_slug = new_slug
        self.edit_info = edit_info  # {"slug","path","paragraph","old","new"} or None
        self._by_path = {a["path"]: a for a in articles}
        # Teaser pool: the original (variant-0, non-republished) articles only, so that
        # adding an article in variant 1 does not change cards on other pages.
        self._pool = [a for a in articles
                      if a["republished_of"] is None and a["slug"] != new_slug]
        self._wps = next(a for a in articles if a["slug"] == C.WPS_SLUG)

    # ------------------------------------------------------------------ manifest
    def article_paths(self) -> list[str]:
        return [a["path"] for a in self.articles]

    def article(self, path: str) -> dict | None:
        """Article dict for a plain or /index.php/ path (query ignored)."""
        p = urlsplit(path).path
        if p.startswith("/index.php/"):
            p = p[len("/index.php"):]
        return self._by_path.get(p)

    def newest(self) -> list[dict]:
        return sorted(self.articles, key=lambda a: (a["published"], a["path"]), reverse=True)

    def sections(self) -> list[str]:
        return list(C.SECTIONS)

    def section_articles(self, section: str) -> list[dict]:
        return [a for a in self.newest() if a["section"] == section]

    def tags(self) -> list[str]:
        return sorted({t for a in self.articles for t in a["tags"]})

    def section_page_count(self, section: str) -> int:
        n = len(self.section_articles(section))
        return max(1, -(-n // PAGE_SIZE))

    def non_article_paths(self) -> list[str]:
        paths = ["/"]
        for s in C.SECTIONS:
            paths.append("/" + s)
            for page in range(2, self.section_page_count(s) + 1):
                paths.append(f"/{s}?page={page}")
        paths += [f"/tags/{t}" for t in self.tags()]
        paths += ["/about", "/contact"]
        return paths

    def bad_paths(self) -> dict[str, int]:
        """Bad-input URLs (linked only from /about) -> status of the first response."""
        return dict(BAD_PAGES)

    # ------------------------------------------------------------------ teasers
    def cards_on(self, path: str) -> dict[str, list[dict]]:
        """Teaser cards on an article page: {"related": [...], "popular": [...]}.

        Each item is the teased article's dict.  Exactly one article is in both lists.
        """
        split = urlsplit(path)
        art = self.article(split.path)
        if art is None:
            raise KeyError(path)
        index_php = split.path.startswith("/index.php/")
        return self._cards(art, index_php)

    def _salt(self, art: dict, index_php: bool) -> int:
        salt = self._meta[art["path"]]["index"] * 5
        if index_php:
            salt += 3
        if art["slug"] == self.teaser_changed_slug:
            salt += 7
        return salt

    def _cards(self, art: dict, index_php: bool) -> dict[str, list[dict]]:
        own = art["republished_of"] or art["path"]
        others = [a for a in self._pool if a["path"] != own and a is not self._wps]
        n = len(others)
        salt = self._salt(art, index_php)
        start = salt % n
        picks = [others[(start + k) % n] for k in range(6)]
        shared = picks[1]
        related = ([self._wps] if self._wps["path"] != own else []) + picks[0:3]
        popular = [picks[3], shared, picks[4]] + ([picks[5]] if salt % 2 else [])
        if salt % 3 == 0:  # vary the position of the shared card
            popular = [shared] + [p for p in popular if p is not shared]
        return {"related": related, "popular": popular}

    def teaser_summaries(self) -> list[str]:
        """Every summary sentence shown on any card (article-page teaser blocks, home
        cards, listing items).  Note that an article's own lead is also its summary."""
        seen: dict[str, None] = {}
        for a in self.articles:
            for ip in (False, True):
                cards = self._cards(a, ip)
                for c in cards["related"] + cards["popular"]:
                    seen[c["lead"]] = None
        for a in self.articles:  # home / listings / tag pages show every lead somewhere
            seen[a["lead"]] = None
        return list(seen)

    # ------------------------------------------------------------------ rendering
    def render(self, path_with_query: str, host: str) -> tuple[int, dict, bytes]:
        status, headers, chunks = self.stream(path_with_query, host)
        body = b"".join(chunks)
        return status, headers, body

    def stream(self, path_with_query: str, host: str) -> tuple[int, dict, Iterable[bytes]]:
        """Like :meth:`render` but the body is an iterable of byte chunks."""
        split = urlsplit(path_with_query)
        path = unquote(split.path) or "/"
        if path != "/" and path.endswith("/"):
            path = path.rstrip("/")
        query = parse_qs(split.query)

        if path == "/bad/huge":
            total, chunks = self._huge(host)
            return 200, {"Content-Type": HTML_UTF8, "Content-Length": str(total)}, chunks

        res = self._route(path, query, host)
        if res is None:
            res = (404, HTML_UTF8, self._simple_page(
                "Page not found", ["The page you requested does not exist."], host))
        status, ctype, body, *extra = res
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {"Content-Type": ctype, "Content-Length": str(len(body))}
        if extra:
            headers.update(extra[0])
        return status, headers, [body]

    def _route(self, path: str, query: dict, host: str):
        if path == "/":
            return 200, HTML_UTF8, self._home(host)
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", self._robots(host)
        if path == "/sitemap.xml":
            return 200, "application/xml; charset=utf-8", self._sitemap(host)
        if path == "/rss.xml":
            return 200, "application/rss+xml; charset=utf-8", self._rss(host)
        if path == "/static/site.css":
            return 200, "text/css", _CSS
        if path.startswith("/static/img/") and path.endswith(".gif"):
            return 200, "image/gif", _GIF
        if path == "/about":
            return 200, HTML_UTF8, self._about(host)
        if path == "/contact":
            return 200, HTML_UTF8, self._simple_page("Contact", C.CONTACT_PARAGRAPHS, host)
        if path == "/private/members":
            return 200, HTML_UTF8, self._simple_page("Members area", C.MEMBERS_PARAGRAPHS, host)
        if path == "/files/report.pdf" or path.startswith("/bad/"):
            return self._bad(path, host)
        parts = path.strip("/").split("/")
        if len(parts) == 1 and parts[0] in C.SECTIONS:
            try:
                page = int(query.get("page", ["1"])[0])
            except ValueError:
                page = 1
            return self._listing(parts[0], page, host)
        if len(parts) == 2 and parts[0] == "tags":
            return self._tag_page(parts[1], host)
        index_php = parts[0] == "index.php"
        if index_php:
            parts = parts[1:]
        if len(parts) == 2:
            art = self._by_path.get("/" + "/".join(parts))
            if art is not None:
                return 200, HTML_UTF8, self._article_page(art, host, index_php)
        return None

    # ---------------------------------------------------------------- layout
    def _layout(self, title: str, main_html: str, host: str, *, og_type: str = "website",
                description: str | None = None, head_extra: str = "") -> str:
        desc = description or "News and analysis from the South Caucasus and Europe."
        nav = "".join(
            f'<li class="nav-item"><a class="nav-link" href="/{s}">{_t(C.SECTION_TITLES[s])}</a></li>'
            for s in C.SECTIONS)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_t(title)} | {C.SITE_NAME}</title>
<meta name="description" content="{_a(desc)}">
<meta property="og:site_name" content="{C.SITE_NAME}">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{_a(title)}">
<meta property="og:description" content="{_a(desc)}">
{head_extra}<link rel="alternate" type="application/rss+xml" title="{C.SITE_NAME} RSS" href="/rss.xml">
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<header class="site-header">
<nav class="navbar">
<a class="navbar-brand" href="/">{C.SITE_NAME}</a>
<ul class="nav">
<li class="nav-item"><a class="nav-link" href="/">Home</a></li>
{nav}
<li class="nav-item"><a class="nav-link" href="/about">About</a></li>
<li class="nav-item"><a class="nav-link" href="/contact">Contact</a></li>
<li class="nav-item"><a class="nav-link" href="/private/members">Members</a></li>
</ul>
</nav>
</header>
<main class="container">
{main_html}
</main>
<footer class="site-footer">
<p>Copyright &copy; {C.SITE_NAME} demo. All rights reserved.</p>
<ul class="nav">
<li><a href="/about">About us</a></li>
<li><a href="/contact">Contact</a></li>
<li><a href="/rss.xml">RSS</a></li>
<li><a href="/sitemap.xml">Sitemap</a></li>
</ul>
</footer>
</body>
</html>
"""

    def _card(self, a: dict, k: int, width: str = "col-md-3") -> str:
        meta = self._meta[a["path"]]
        img_href = link_form(a["path"], 0 if k % 3 else 1)
        href = link_form(a["path"], k)
        return f"""<div class="{width} col-sm-6">
<div class="box">
<a href="{_a(img_href)}"><img src="/static/img/{a['slug']}.gif" alt="{_a(a['title'])}" width="360" height="240"></a>
<div class="small"><span class="text-uppercase">{_t(meta['label'])}</span> <span class="text-muted">{_t(meta['kind'])}</span></div>
<h3><a href="{_a(href)}">{_t(a['title'])}</a></h3>
<p>{_t(a['lead'])}</p>
</div>
</div>
"""

    def _home(self, host: str) -> str:
        newest = self.newest()[:HOME_CARDS]
        cards = "".join(self._card(a, i, "col-md-4") for i, a in enumerate(newest))
        sections = "".join(
            f'<li><a href="/{s}">{_t(C.SECTION_TITLES[s])}</a></li>' for s in C.SECTIONS)
        main = f"""<div class="row">
<div class="col-md-12"><h2>Latest</h2></div>
{cards}</div>
<div class="row">
<div class="col-md-12"><h2>Sections</h2><ul>{sections}</ul></div>
</div>
"""
        return self._layout("Home", main, host)

    def _list_items(self, arts: list[dict]) -> str:
        out = []
        for a in arts:
            out.append(f"""<div class="row">
<div class="col-md-12 box">
<h3><a href="{_a(a['path'])}">{_t(a['title'])}</a></h3>
<p class="small">{_human_date(a['published'])}</p>
<p>{_t(a['lead'])}</p>
</div>
</div>
""")
        return "".join(out)

    def _listing(self, section: str, page: int, host: str):
        arts = self.section_articles(section)
        pages = self.section_page_count(section)
        if page < 1 or page > pages:
            return None
        chunk = arts[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        pager = []
        if page > 1:
            prev = f"/{section}" if page == 2 else f"/{section}?page={page - 1}"
            pager.append(f'<a href="{prev}">Previous page</a>')
        if page < pages:
            pager.append(f'<a href="/{section}?page={page + 1}">Next page</a>')
        title = C.SECTION_TITLES[section] + (f" (page {page})" if page > 1 else "")
        main = (f'<div class="row"><div class="col-md-12"><h1>{_t(title)}</h1></div></div>\n'
                + self._list_items(chunk)
                + f'<div class="row"><div class="col-md-12">{" ".join(pager)}</div></div>\n')
        return 200, HTML_UTF8, self._layout(title, main, host)

    def _tag_page(self, tag: str, host: str):
        arts = [a for a in self.newest() if tag in a["tags"]]
        if not arts:
            return None
        title = f"Tag: {tag}"
        main = (f'<div class="row"><div class="col-md-12"><h1>{_t(title)}</h1></div></div>\n'
                + self._list_items(arts))
        return 200, HTML_UTF8, self._layout(title, main, host)

    def _simple_page(self, title: str, paragraphs: list[str], host: str, extra: str = "") -> str:
        paras = "\n".join(f"<p>{_t(p)}</p>" for p in paragraphs)
        main = f"""<div class="row">
<div class="col-md-8">
<h1>{_t(title)}</h1>
{paras}
{extra}</div>
</div>
"""
        return self._layout(title, main, host)

    def _about(self, host: str) -> str:
        links = "".join(
            f'<li><a href="{p}">{p}</a></li>' for p in
            ["/files/report.pdf", "/bad/empty", "/bad/broken", "/bad/latin1",
             "/bad/wrong-charset", "/bad/huge", "/bad/missing", "/bad/error",
             "/bad/redirect", "/bad/loop"])
        return self._simple_page("About us", C.ABOUT_PARAGRAPHS, host,
                                 extra=f"<h2>Test pages</h2>\n<ul>{links}</ul>\n")

    def _article_page(self, a: dict, host: str, index_php: bool) -> str:
        meta = self._meta[a["path"]]
        base = f"http://{host}"
        canonical = base + a["path"]
        head = [
            f'<meta name="author" content="{_a(a["author"])}">',
            f'<meta property="og:image" content="{base}/static/img/{a["slug"]}.gif">',
            f'<meta property="article:published_time" content="{_published_time(a["published"])}">',
            f'<meta property="article:section" content="{_a(C.SECTION_TITLES[a["section"]])}">',
        ]
        head += [f'<meta property="article:tag" content="{_a(t)}">' for t in a["tags"]]
        if a["has_canonical"]:
            head.append(f'<meta property="og:url" content="{canonical}">')
            head.append(f'<link rel="canonical" href="{canonical}">')
        if meta["jsonld"]:
            ld = {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": a["title"],
                "description": a["lead"],
                "datePublished": _published_time(a["published"]),
                "author": ({"@type": "Organization", "name": C.SITE_NAME}
                           if a["author"] == "Editorial staff"
                           else {"@type": "Person", "name": a["author"]}),
                "image": [f"{base}/static/img/{a['slug']}.gif"],
                "articleSection": C.SECTION_TITLES[a["section"]],
                "keywords": a["tags"],
            }
            if a["has_canonical"]:
                ld["mainEntityOfPage"] = canonical
            js = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
            head.append(f'<script type="application/ld+json">{js}</script>')
        head_extra = "\n".join(head) + "\n"

        paras = "\n".join(f"<p>{_t(p)}</p>" for p in a["paragraphs"])
        tags = "".join(f'<li><a href="/tags/{_a(t)}">{_t(t)}</a></li>' for t in a["tags"])
        cards = self._cards(a, index_php)
        salt = self._salt(a, index_php)
        related = "".join(self._card(c, salt + i) for i, c in enumerate(cards["related"]))
        popular = "".join(self._card(c, salt + 2 + i) for i, c in enumerate(cards["popular"]))
        main = f"""<div class="row">
<div class="col-md-8">
<div class="node">
<h1>{_t(a['title'])}</h1>
<p class="small"><time datetime="{a['published']}">{_human_date(a['published'])}</time> &middot; {_t(a['author'])}</p>
<p class="lead"><strong>{_t(a['lead'])}</strong></p>
<figure>
<img src="/static/img/{a['slug']}.gif" alt="{_a(a['caption'])}" width="750" height="450">
<figcaption>{_t(a['caption'])}</figcaption>
</figure>
{paras}
<p><em>{_t(a['source'])}</em></p>
<ul class="list-inline">{tags}</ul>
</div>
</div>
</div>
<div class="row">
<div class="col-md-12"><h2>Related articles</h2></div>
{related}</div>
<div class="row">
<div class="col-md-12"><h2>Popular</h2></div>
{popular}</div>
"""
        return self._layout(a["title"], main, host, og_type="article",
                            description=a["lead"], head_extra=head_extra)

    # ---------------------------------------------------------------- feeds
    def _robots(self, host: str) -> str:
        return ("User-agent: *\n"
                "Disallow: /private/\n"
                "\n"
                f"Sitemap: http://{host}/sitemap.xml\n")

    def _sitemap(self, host: str) -> str:
        urls = "".join(
            f"<url><loc>{xml_escape(f'http://{host}' + a['path'])}</loc>"
            f"<lastmod>{a['published']}</lastmod></url>\n"
            for a in self.articles)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"{urls}</urlset>\n")

    def _rss(self, host: str) -> str:
        items = []
        for a in self.newest()[:RSS_ITEMS]:
            url = f"http://{host}{a['path']}"
            items.append(
                "<item>"
                f"<title>{xml_escape(a['title'])}</title>"
                f"<link>{xml_escape(url)}</link>"
                f'<guid isPermaLink="true">{xml_escape(url)}</guid>'
                f"<pubDate>{_rfc822(a['published'])}</pubDate>"
                f"<category>{xml_escape(C.SECTION_TITLES[a['section']])}</category>"
                f"<description>{xml_escape(a['lead'])}</description>"
                "</item>\n")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rss version="2.0">\n<channel>\n'
                f"<title>{C.SITE_NAME}</title>\n"
                f"<link>http://{host}/</link>\n"
                "<description>News and analysis from the South Caucasus and Europe.</description>\n"
                "<language>en</language>\n"
                + "".join(items)
                + "</channel>\n</rss>\n")

    # ---------------------------------------------------------------- bad pages
    def _bad(self, path: str, host: str):
        base = f"http://{host}"
        if path == "/files/report.pdf":
            return 200, "application/pdf", _PDF
        if path == "/bad/empty":
            return 200, "text/html", b""
        if path == "/bad/broken":
            body = ('<html><head><title>Broken page</ti\n<body><div class="col-md-8"><h1>'
                    "Half a headline<p>Some text <b><i>never closed <table><tr><td>cell"
                    '<a href="/about" <p>more <<>> &&& </div></div></span>\n<scr')
            return 200, HTML_UTF8, body.encode("utf-8") + b"\xe2\x80"  # cut mid-character
        if path == "/bad/latin1":
            paras = "\n".join(f"<p>{p}</p>" for p in C.LATIN1_PARAGRAPHS)
            html = (f"<!DOCTYPE html>\n<html>\n<head>\n<title>{C.LATIN1_TITLE}</title>\n"
                    f"</head>\n<body>\n<article>\n<h1>{C.LATIN1_TITLE}</h1>\n"
                    f'<p class="small">12 September 2025 &middot; Editorial staff</p>\n'
                    f"{paras}\n</article>\n</body>\n</html>\n")
            return 200, "text/html", html.encode("windows-1252")
        if path == "/bad/wrong-charset":
            paras = "\n".join(f"<p>{p}</p>" for p in C.CYRILLIC_PARAGRAPHS)
            html = (f'<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n'
                    f"<title>{C.CYRILLIC_TITLE}</title>\n</head>\n<body>\n<article>\n"
                    f"<h1>{C.CYRILLIC_TITLE}</h1>\n{paras}\n</article>\n</body>\n</html>\n")
            return 200, HTML_UTF8, html.encode("windows-1251")
        if path == "/bad/missing":
            return 404, HTML_UTF8, self._simple_page(
                "Page not found", ["The page you requested does not exist."], host)
        if path == "/bad/error":
            return 500, HTML_UTF8, ("<!DOCTYPE html><html><head><title>500 Internal Server Error"
                                    "</title></head><body><h1>Internal Server Error</h1>"
                                    "<p>Something went wrong.</p></body></html>\n")
        redirects = {
            "/bad/redirect": "/bad/redirect2",
            "/bad/redirect2": self.articles[0]["path"],
            "/bad/loop": "/bad/loop2",
            "/bad/loop2": "/bad/loop",
        }
        if path in redirects:
            loc = base + redirects[path]
            body = f'<html><body><p>Moved to <a href="{_a(loc)}">{_t(loc)}</a></p></body></html>\n'
            return 302, HTML_UTF8, body, {"Location": loc}
        return None

    def _huge(self, host: str) -> tuple[int, Iterator[bytes]]:
        prefix = (b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                  b"<title>Huge page</title></head><body><div class=\"col-md-8\">"
                  b"<h1>A very large page</h1>\n")
        suffix = b"</div></body></html>\n"
        total = max(self.huge_size, len(prefix) + len(suffix))

        def gen() -> Iterator[bytes]:
            yield prefix
            remaining = total - len(prefix) - len(suffix)
            n = 0
            buf: list[bytes] = []
            size = 0
            while True:
                n += 1
                p = (f"<p>Filler paragraph {n}: this page exists to test how a crawler "
                     f"copes with very large responses.</p>\n").encode("ascii")
                if len(p) > remaining:
                    break
                buf.append(p)
                size += len(p)
                remaining -= len(p)
                if size >= 65536:
                    yield b"".join(buf)
                    buf, size = [], 0
            buf.append(b" " * remaining)
            yield b"".join(buf)
            yield suffix

        return total, gen()


def _article_record(src: dict, path: str, republished_of=None) -> dict:
    return {
        "slug": src["slug"],
        "section": src["section"],
        "path": path,
        "title": src["title"],
        "lead": src["lead"],
        "paragraphs": list(src["paragraphs"]),
        "author": src["author"],
        "published": src["published"],
        "tags": list(src["tags"]),
        "source": src["source"],
        "caption": src["caption"],
        "has_canonical": bool(src.get("has_canonical", True)),
        "republished_of": republished_of,
    }


def build_site(variant: int = 0, huge_size: int = DEFAULT_HUGE_SIZE) -> DemoSite:
    """Build the demo site.  Deterministic; ``variant`` is 0 or 1."""
    if variant not in (0, 1):
        raise ValueError("variant must be 0 or 1")
    articles: list[dict] = []
    meta: dict[str, dict] = {}

    def add(rec: dict, src: dict) -> None:
        idx = len(articles)
        articles.append(rec)
        meta[rec["path"]] = {
            "index": idx,
            "kind": src.get("kind", C.SECTION_TITLES[src["section"]]),
            "label": src.get("label", "Featured" if idx % 2 else "Latest"),
            "jsonld": idx % 2 == 0,
        }

    for src in copy.deepcopy(C.ARTICLES):
        add(_article_record(src, f"/{src['section']}/{src['slug']}"), src)

    orig = next(a for a in articles if a["slug"] == C.REPUBLISHED_OF_SLUG)
    rep_src = {**next(s for s in C.ARTICLES if s["slug"] == C.REPUBLISHED_OF_SLUG)}
    rep_src.update(slug=orig["slug"] + "-republished",
                   title=C.REPUBLISHED_TITLE_PREFIX + orig["title"],
                   published=C.REPUBLISHED_PUBLISHED, has_canonical=True)
    add(_article_record(rep_src, f"/{orig['section']}/{rep_src['slug']}",
                        republished_of=orig["path"]), rep_src)

    edited_slug = teaser_changed_slug = new_slug = edit_info = None
    if variant == 1:
        e = C.VARIANT1_EDIT
        target = articles[e["article_index"]]
        para = target["paragraphs"][e["paragraph"]]
        assert para.count(e["old"]) == 1
        target["paragraphs"][e["paragraph"]] = para.replace(e["old"], e["new"])
        edited_slug = target["slug"]
        edit_info = {"slug": target["slug"], "path": target["path"],
                     "paragraph": e["paragraph"], "old": e["old"], "new": e["new"]}
        teaser_changed_slug = articles[C.VARIANT1_TEASER_INDEX]["slug"]
        new = copy.deepcopy(C.NEW_ARTICLE)
        add(_article_record(new, f"/{new['section']}/{new['slug']}"), new)
        new_slug = new["slug"]

    return DemoSite(variant, articles, meta, huge_size, edited_slug=edited_slug,
                    teaser_changed_slug=teaser_changed_slug, new_slug=new_slug,
                    edit_info=edit_info)
