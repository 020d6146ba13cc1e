"""The content of a generated news site, its URL table, and the ground truth a crawl is scored on.

A :class:`Family` (one per CMS, in ``families/``) decides URL shapes and markup; :class:`Site` decides
what is on the site: which articles exist in which round, which cards a page shows, and which
strings must never end up in an article's text.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

from .text import TextGen, slugify, words

TRACKING_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "fbclid", "gclid", "itid",
                   "cmpid", "mc_cid", "mc_eid", "ref_src")
TRACKING_QUERIES = ("utm_source=twitter&utm_medium=social", "utm_source=newsletter&utm_medium=email&utm_campaign=daily",
                    "fbclid=IwAR0x5fJ3kq", "itid=lk_inline_manual_4", "cmpid=rss")

N_NEWS = 22          # regular articles per site
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
       b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
HTML = "text/html; charset=utf-8"


def t(s: str) -> str:
    """Escape text content."""
    return escape(s, quote=False)


def at(s: str) -> str:
    """Escape an attribute value."""
    return escape(s, quote=True)


def _h(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


@dataclass
class Article:
    id: int                      # the CMS's numeric id (node id, post ID)
    key: str                     # stable name in the ground truth
    slug: str
    title: str
    section: str
    tags: list[str]
    author: str
    published: dt.datetime
    paragraphs: list[str]
    dek: str                     # standfirst: on the article page in some templates, on cards in others
    kind: str = "news"           # news | syndicated | press | sponsored | new
    original: str | None = None  # syndicated copy: key of the article it copies
    comments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.original or self.key

    def date(self, fmt: str = "%d %B %Y") -> str:
        return self.published.strftime(fmt).lstrip("0")

    @property
    def iso(self) -> str:
        return self.published.isoformat()


@dataclass
class Ctx:
    """What a template function gets: the site, the host it is served as, the URL form being rendered."""
    site: "Site"
    host: str
    path: str
    form: str = "canonical"

    def abs(self, path: str) -> str:
        return f"http://{self.host}{path}"


class Family:
    """One CMS's URL scheme and templates. Subclasses override the URL methods and templates."""
    name = ""
    lang = "en"
    site_name = ""
    sections: dict[str, str] = {}
    press_section = "news"
    page_size = 6
    slash_policy = "redirect"    # what the other trailing-slash form of a URL does: redirect | serve | 404
    deleted_status = 404
    feed_path = "/rss.xml"
    authors = ["Maria Lind", "Tomas Berg", "Aylin Demir", "Jonas Weber", "Sofia Rossi"]
    tags = ["transport", "housing", "energy", "health", "courts", "budget", "environment", "education"]

    # -- URLs ------------------------------------------------------------------------------------
    def article_path(self, a: Article) -> str:
        raise NotImplementedError

    def article_aliases(self, a: Article) -> dict[str, str]:
        """Other URLs serving the article (form name -> path, with query): 200, same article."""
        return {}

    def article_redirects(self, a: Article) -> dict[str, str]:
        """URLs answering with a redirect to the article (path -> target path)."""
        return {}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        """URL of page ``page`` (1-based) of a listing; kind is home | section | tag | author | month."""
        raise NotImplementedError

    def excerpt(self, a: Article) -> str:
        """What a card shows under the title (the CMS's excerpt / summary / intro text), without the
        ellipsis a template may add."""
        return words(a.paragraphs[0], 30)

    # -- templates -------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        raise NotImplementedError

    def listing_page(self, ctx: Ctx, title: str, arts: list[Article], page: int, pages: int,
                     kind: str, key: str) -> str:
        raise NotImplementedError

    def amp_page(self, ctx: Ctx, a: Article) -> str:
        """The AMP copy: a stripped layout with the same article (generic unless overridden)."""
        paras = "\n".join(f"<p>{t(p)}</p>" for p in a.paragraphs)
        return f"""<!doctype html>
<html amp lang="{self.lang}"><head><meta charset="utf-8"><title>{t(a.title)}</title>
<link rel="canonical" href="{at(ctx.abs(self.article_path(a)))}">
<meta name="viewport" content="width=device-width"><script async src="https://cdn.ampproject.org/v0.js"></script>
<style amp-custom>body{{font-family:serif}}</style></head>
<body><header><a href="/">{t(self.site_name)}</a></header>
<article><h1>{t(a.title)}</h1><p><time datetime="{a.iso}">{t(a.date())}</time> {t(a.author)}</p>
<amp-img src="/img/{a.slug}.jpg" width="800" height="450" layout="responsive"></amp-img>
{paras}
</article>
<footer><p>{t(self.footer_line())}</p></footer></body></html>
"""

    def footer_line(self) -> str:
        return f"\u00a9 2024 {self.site_name}. All rights reserved."

    def boilerplate(self) -> list[str]:
        """Distinctive boilerplate strings the templates print (must never be in an article's text)."""
        return [self.footer_line()]

    def robots(self, host: str) -> str:
        return f"User-agent: *\nDisallow: /admin/\n\nSitemap: http://{host}/sitemap.xml\n"


class Site:
    """One family's site in one round (0: first crawl; 1: the recrawl with its changes)."""

    def __init__(self, family: Family, round: int = 0, seed: int = 0):
        self.family = family
        self.round = round
        self.seed = seed
        tg = TextGen(f"{family.name}:{seed}", family.lang)
        self.tg = tg
        self.all = self._make_articles(tg)          # every article of both rounds, in id order
        self.edited = self.all[5].key
        self.teaser_changed = self.all[9].key
        self.deleted = self.all[12].key
        self.new = next(a.key for a in self.all if a.kind == "new")
        self.edit = None
        if round == 1:
            ed = self._by_key(self.edited)
            old = ed.paragraphs[2]
            sentences = old.split(". ")
            new_sentence = tg.sentence().rstrip(".")
            sentences[1 if len(sentences) > 1 else 0] = new_sentence
            ed.paragraphs[2] = ". ".join(sentences)
            if not ed.paragraphs[2].endswith((".", "\u201d", "“", "?")):
                ed.paragraphs[2] += "."
            self.edit = {"key": ed.key, "old": old, "new": ed.paragraphs[2], "sentence": new_sentence}
        # What the site shows in this round.
        self.articles = [a for a in self.all if not (round == 0 and a.kind == "new")
                         and not (round == 1 and a.key == self.deleted)]
        self.pool = [a for a in self.articles if a.kind in ("news", "new")]   # what cards tease
        self.routes = self._build_routes()

    # -- content ---------------------------------------------------------------------------------
    def _by_key(self, key: str) -> Article:
        return next(a for a in self.all if a.key == key)

    def _make_articles(self, tg: TextGen) -> list[Article]:
        fam = self.family
        rng = tg.rng
        start = dt.datetime(2024, 4, 2, 7, 30, tzinfo=dt.timezone.utc)
        secs = [s for s in fam.sections if s != fam.press_section] or list(fam.sections)
        arts: list[Article] = []

        def make(kind: str, i: int, **kw) -> Article:
            title = kw.pop("title", None) or tg.title()
            when = kw.pop("published", None) or start + dt.timedelta(days=3 * i + rng.randint(0, 2),
                                                                      hours=rng.randint(0, 10),
                                                                      minutes=rng.randint(0, 59))
            a = Article(id=1000 + 7 * len(arts), key=f"{kind}-{len(arts):02d}", slug=slugify(title), title=title,
                        section=kw.pop("section", secs[i % len(secs)]),
                        tags=kw.pop("tags", None) or rng.sample(fam.tags, rng.randint(1, 3)),
                        author=kw.pop("author", None) or fam.authors[rng.randrange(len(fam.authors))],
                        published=when, paragraphs=kw.pop("paragraphs", None) or tg.paragraphs(5, 12),
                        dek=tg.sentence(), kind=kind, **kw)
            a.comments = [(rng.choice(["jkl_88", "Marta", "old_harbour", "Pete W.", "anon", "Lu", "Kasia"]),
                           tg.comment()) for _ in range(rng.randint(0, 4) if kind == "news" else 0)]
            arts.append(a)
            return a

        for i in range(N_NEWS):
            make("news", i)
        # Two syndicated copies: same body, new title, own URL, a day or two later.
        for n, src in enumerate((arts[3], arts[7])):
            make("syndicated", 0, title=tg.title(), section=src.section, tags=list(src.tags), author=src.author,
                 published=src.published + dt.timedelta(days=1 + n, hours=3),
                 paragraphs=list(src.paragraphs), original=src.key)
        # Four press statements sharing a long template, different in substance.
        org = "Nordhafen Port Authority" if fam.lang == "en" else "Hafengesellschaft Nordhafen"
        template = [tg.paragraph(4, 6) for _ in range(3)]
        about = (f"About {org}: " if fam.lang == "en" else f"Über die {org}: ") + tg.paragraph(3, 4)
        for n in range(4):
            substance = [tg.paragraph(2, 4) for _ in range(rng.randint(3, 4))]
            make("press", 5 + 4 * n, section=fam.press_section, author=org,
                 paragraphs=substance + template + [about])
        # Two sponsored posts whose canonical link points at the home page.
        for n in range(2):
            make("sponsored", 9 + 5 * n)
        # The recrawl's new article, newest of all.
        make("new", N_NEWS + 3)
        return arts

    def visible(self, a: Article) -> bool:
        return a in self.articles

    def newest(self, arts=None) -> list[Article]:
        return sorted(self.articles if arts is None else arts, key=lambda a: (a.published, a.id), reverse=True)

    def collections(self) -> dict[tuple[str, str], list[Article]]:
        out: dict[tuple[str, str], list[Article]] = {("home", ""): self.newest()}
        for s in self.family.sections:
            out[("section", s)] = self.newest([a for a in self.articles if a.section == s])
        for tag in self.family.tags:
            out[("tag", tag)] = self.newest([a for a in self.articles if tag in a.tags])
        for au in sorted({a.author for a in self.articles}):
            out[("author", au)] = self.newest([a for a in self.articles if a.author == au])
        for month in sorted({a.published.strftime("%Y-%m") for a in self.articles}):
            out[("month", month)] = self.newest([a for a in self.articles
                                                 if a.published.strftime("%Y-%m") == month])
        return {k: v for k, v in out.items() if v}

    # -- cards: which articles a page teases ----------------------------------------------------
    def _salt(self, a: Article | None, form: str) -> int:
        salt = _h(self.family.name, a.key if a else "", form)
        if a is not None and a.key == self.teaser_changed and self.round == 1:
            salt += 17
        return salt

    def related(self, a: Article, form: str = "canonical", n: int = 4) -> list[Article]:
        """Cards of other articles for article ``a`` seen at URL form ``form`` (copies differ)."""
        others = [b for b in self.pool if b.key != a.owner]
        salt = self._salt(a, form)
        return [others[(salt + 5 * k) % len(others)] for k in range(n)]

    def most_read(self, a: Article | None = None, n: int = 5) -> list[Article]:
        """A site-wide ordered list; the same on every page except the article itself."""
        ranked = sorted(self.pool, key=lambda b: _h("popular", b.key))
        if self.round == 1:   # a cached widget still lists the deleted article
            ranked.insert(2, self._by_key(self.deleted))
        return [b for b in ranked if a is None or b.key != a.owner][:n]

    def latest(self, a: Article | None = None, n: int = 4) -> list[Article]:
        return [b for b in self.newest(self.pool) if a is None or b.key != a.owner][:n]

    def href(self, a: Article, k: int) -> str:
        """The link a card uses: mostly the canonical URL, sometimes an alias or a tracked one."""
        fam = self.family
        path = fam.article_path(a)
        k = (k + a.id) % 11
        aliases = list(fam.article_aliases(a).values())
        if k == 3:
            return path + ("&" if "?" in path else "?") + TRACKING_QUERIES[a.id % len(TRACKING_QUERIES)]
        if k == 7 and aliases:
            return aliases[a.id % len(aliases)]
        if k == 9:
            redirects = list(fam.article_redirects(a))
            if redirects:
                return redirects[0]
        return path

    def pager_pages(self, n_items: int) -> int:
        return max(1, -(-n_items // self.family.page_size))

    # -- routing ---------------------------------------------------------------------------------
    def _build_routes(self) -> dict[str, tuple]:
        fam = self.family
        routes: dict[str, tuple] = {}
        for a in self.all:
            shown = self.visible(a)
            if not shown and a.kind == "new":
                continue
            routes[fam.article_path(a)] = ("article", a, "canonical") if shown else ("gone", fam.deleted_status)
            for form, path in fam.article_aliases(a).items():
                routes[path] = ("article", a, form) if shown else ("gone", fam.deleted_status)
            for path, target in fam.article_redirects(a).items():
                routes[path] = ("redirect", target) if shown else ("gone", fam.deleted_status)
        self.listing_paths = []
        for (kind, key), arts in self.collections().items():
            pages = self.pager_pages(len(arts))
            for page in range(1, pages + 1):
                path = fam.collection_path(kind, key, page)
                routes[path] = ("listing", kind, key, page)
                self.listing_paths.append(path)
        return {route_key(k): v for k, v in routes.items()}

    def resolve(self, path_q: str) -> tuple | None:
        """The route for a requested path (tracking parameters ignored, as CMSs do)."""
        key = route_key(path_q)
        if key in self.routes:
            return self.routes[key]
        split = urlsplit(key)
        other = split.path[:-1] if split.path.endswith("/") and split.path != "/" else split.path + "/"
        okey = other + ("?" + split.query if split.query else "")
        if okey in self.routes and self.routes[okey][0] in ("article", "listing"):
            policy = self.family.slash_policy
            if policy == "redirect":
                return ("redirect", okey)
            if policy == "serve":
                return self.routes[okey]
        return None

    def render(self, path_q: str, host: str) -> tuple[int, dict, bytes]:
        fam = self.family
        path = urlsplit(path_q).path
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, fam.robots(host).encode()
        if path == "/sitemap.xml":
            return 200, {"Content-Type": "application/xml; charset=utf-8"}, self.sitemap(host).encode()
        if path.startswith("/img/"):
            return 200, {"Content-Type": "image/gif"}, GIF
        if path_q == fam.feed_path or path == fam.feed_path:
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, self.rss(host).encode()
        route = self.resolve(path_q)
        ctx = Ctx(self, host, path_q)
        if route is None:
            return 404, {"Content-Type": HTML}, self._notfound(ctx).encode()
        kind = route[0]
        if kind == "redirect":
            target = f"http://{host}{route[1]}"
            body = f'<html><body><a href="{at(target)}">Moved</a></body></html>'
            return 301, {"Content-Type": HTML, "Location": target}, body.encode()
        if kind == "gone":
            return route[1], {"Content-Type": HTML}, self._notfound(ctx).encode()
        if kind == "article":
            a, form = route[1], route[2]
            ctx.form = form
            html = fam.amp_page(ctx, a) if form == "amp" else fam.article_page(ctx, a)
            return 200, {"Content-Type": HTML}, html.encode()
        _, ckind, key, page = route
        arts = self.collections()[(ckind, key)]
        pages = self.pager_pages(len(arts))
        chunk = arts[(page - 1) * fam.page_size: page * fam.page_size]
        html = fam.listing_page(ctx, self.collection_title(ckind, key), chunk, page, pages, ckind, key)
        return 200, {"Content-Type": HTML}, html.encode()

    def collection_title(self, kind: str, key: str) -> str:
        fam = self.family
        if kind == "home":
            return fam.site_name
        if kind == "section":
            return fam.sections[key]
        if kind == "month":
            return dt.date(int(key[:4]), int(key[5:]), 1).strftime("%B %Y")
        return key.capitalize() if kind == "tag" else key

    def _notfound(self, ctx: Ctx) -> str:
        return f"<!doctype html><html><head><title>Not found</title></head><body><h1>Not found</h1>" \
               f"<p>Sorry, this page does not exist.</p><a href=\"/\">{t(self.family.site_name)}</a></body></html>"

    def sitemap(self, host: str) -> str:
        rows = "".join(f"<url><loc>http://{host}{self.family.article_path(a)}</loc>"
                       f"<lastmod>{a.published.date().isoformat()}</lastmod></url>\n" for a in self.newest())
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"{rows}</urlset>\n")

    def rss(self, host: str) -> str:
        items = "".join(f"<item><title>{t(a.title)}</title><link>http://{host}{self.family.article_path(a)}</link>"
                        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
                        f"<description>{t(self.family.excerpt(a))}</description></item>\n"
                        for a in self.newest()[:10])
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{t(self.family.site_name)}'
                f"</title><link>http://{host}/</link>\n{items}</channel></rss>\n")

    # -- ground truth ----------------------------------------------------------------------------
    def article_urls(self, a: Article) -> list[str]:
        fam = self.family
        urls = [fam.article_path(a), *fam.article_aliases(a).values(), *fam.article_redirects(a)]
        return urls

    def truth(self) -> dict:
        """What a perfect archive of this site holds after this round, and what it must not hold."""
        fam = self.family
        arts = {}
        for a in self.all:
            if a.kind == "new" and self.round == 0:
                continue
            if a.original:
                arts[a.original]["urls"] += self.article_urls(a)
                arts[a.original]["titles"].append(a.title)
                continue
            arts[a.key] = {"key": a.key, "kind": a.kind, "title": a.title, "titles": [a.title],
                           "canonical": fam.article_path(a), "urls": self.article_urls(a),
                           "paragraphs": list(a.paragraphs), "published": a.iso,
                           "versions": 2 if (self.round == 1 and a.key == self.edited) else 1,
                           "deleted": self.round == 1 and a.key == self.deleted}
        forbidden = []
        for a in self.all:
            if a.kind == "new" and self.round == 0:
                continue
            for s in dict.fromkeys((a.title, fam.excerpt(a), a.dek)):
                forbidden.append({"text": s, "kind": "teaser", "owner": a.owner})
            for _, c in a.comments:
                forbidden.append({"text": c, "kind": "comment", "owner": None})
        for s in fam.boilerplate():
            forbidden.append({"text": s, "kind": "boilerplate", "owner": None})
        return {"family": fam.name, "round": self.round, "articles": list(arts.values()),
                "forbidden": forbidden, "listings": list(self.listing_paths),
                "edited": self.edited, "deleted": self.deleted, "new": self.new,
                "teaser_changed": self.teaser_changed, "edit": self.edit}


def route_key(path_q: str) -> str:
    """A path with its query minus tracking parameters, in a fixed form (``?amp`` == ``?amp=``)."""
    split = urlsplit(path_q)
    query = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k not in TRACKING_PARAMS]
    return (split.path or "/") + ("?" + urlencode(query) if query else "")


def jsonld(ctx: Ctx, a: Article, **extra) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
            "datePublished": a.iso, "author": {"@type": "Person", "name": a.author},
            "image": [ctx.abs(f"/img/{a.slug}.jpg")], **extra}
    return '<script type="application/ld+json">' + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>"
