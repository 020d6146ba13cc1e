"""A large newspaper on a headless platform (Arc XP / Brightspot style): CSS-module class names with
hashes, deep ``div`` nesting, ``data-testid`` attributes, JSON-LD and the whole story again in a
``Fusion.globalContent`` script, ``/section/yyyy/mm/dd/slug/`` URLs, ``?outputType=amp`` copies,
``/p/ID`` short links, ``?itid=`` tracking, interstitial "Read more" links and a story card between
paragraphs, an inline newsletter sign-up, "Most Read" as a numbered list, offset pagination."""
from __future__ import annotations

import hashlib
import json

from ..model import Article, Ctx, Family, at, jsonld, t
from ..text import slugify


def cx(name: str) -> str:
    """A CSS-module class name: ``Component_part__h4sh5``."""
    digest = hashlib.md5(name.encode()).hexdigest()
    comp, _, part = name.partition(".")
    return f"{comp}_{part or 'root'}__{digest[:5]}"


def sc(name: str) -> str:
    """A styled-components pair: ``sc-1x2y3z-0 kLmNoP``."""
    d = hashlib.sha1(name.encode()).hexdigest()
    letters = "".join(chr(97 + int(c, 16) % 26) if i % 2 else chr(65 + int(c, 16) % 26) for i, c in enumerate(d[6:12]))
    return f"sc-{d[:6]}-0 {letters}"


def track(href: str, query: str) -> str:
    """A link with the newsroom's click-tracking parameter appended."""
    if not query:
        return href
    return href + ("&" if "?" in href else "?") + query


class Newspaper(Family):
    name = "newspaper"
    site_name = "The Metropolitan Ledger"
    sections = {"world": "World", "politics": "Politics", "business": "Business", "climate": "Climate",
                "opinions": "Opinions"}
    press_section = "business"
    page_size = 10
    slash_policy = "redirect"
    deleted_status = 410
    feed_path = "/arc/outboundfeeds/rss/"
    authors = ["Irene Costa", "Daniel Moreau", "Hana Novak", "Rui Almeida", "Lena Fischer", "Omar Haddad"]

    def article_path(self, a: Article) -> str:
        return f"/{a.section}/{a.published:%Y/%m/%d}/{a.slug}/"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"amp": self.article_path(a) + "?outputType=amp"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/p/{a.id:x}/": self.article_path(a)}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        base = {"home": "/", "section": f"/{key}/", "tag": f"/topic/{key}/", "author": f"/people/{slugify(key)}/",
                "month": f"/archive/{key.replace('-', '/')}/"}[kind]
        return base + (f"?offset={(page - 1) * self.page_size}" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return a.dek

    def newsletter(self) -> str:
        return "Sign up for The Morning Ledger, the five stories you need to know before 7 a.m."

    def footer_line(self) -> str:
        return "\u00a9 1996-2024 The Metropolitan Ledger Company. All Rights Reserved."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.newsletter(), "ADVERTISEMENT", "Story continues below advertisement",
                "Gift this article", "Subscribe for unlimited access"]

    # -- pieces ----------------------------------------------------------------------------------
    def layout(self, ctx: Ctx, title: str, main: str, head: str = "", fusion: dict | None = None) -> str:
        nav = "".join(f'<li class="{cx("NavItem.item")}"><a class="{cx("NavItem.link")}" href="/{s}/" '
                      f'data-testid="nav-{s}">{t(n)}</a></li>' for s, n in self.sections.items())
        data = json.dumps(fusion or {}, ensure_ascii=False).replace("</", "<\\/")
        fusion_js = ("<script id=\"fusion-metadata\" type=\"application/javascript\">window.Fusion=window.Fusion||{};"
                     f"Fusion.globalContent={data};Fusion.deployment=\"8121\";</script>")
        return f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{t(title)} - {t(self.site_name)}</title>
<link rel="alternate" type="application/rss+xml" href="{self.feed_path}">
{head}
<link rel="preload" as="script" href="/pf/dist/engine/react.js?d=8121">
</head>
<body><div id="fusion-app" class="{cx("App.root")}"><div class="{sc("layout")}"><div class="{sc("layout-inner")}">
<header class="{cx("Masthead.root")}" data-testid="masthead"><div class="{cx("Masthead.inner")}"><div class="{cx("Masthead.brand")}">
<a href="/" class="{cx("Masthead.logo")}" aria-label="{at(self.site_name)} homepage"><span>{t(self.site_name)}</span></a></div>
<nav class="{cx("Nav.root")}" aria-label="Sections"><ul class="{cx("Nav.list")}">{nav}</ul></nav>
<div class="{cx("Masthead.actions")}"><a href="/subscribe/?itid=nav_subscribe" class="{cx("Button.primary")}">Subscribe for unlimited access</a></div>
</div></header>
<div class="{cx("AdSlot.leaderboard")}"><div class="{cx("AdSlot.label")}">ADVERTISEMENT</div><div id="arcad-leaderboard"></div></div>
{main}
<footer class="{cx("Footer.root")}" data-testid="footer"><div class="{cx("Footer.inner")}"><div class="{cx("Footer.links")}">
<a href="/about/">About Us</a><a href="/policies/privacy/">Privacy Policy</a><a href="/contact/">Contact</a></div>
<div class="{cx("Footer.copyright")}">{t(self.footer_line())}</div></div></footer>
</div></div></div>
{fusion_js}
</body></html>
"""

    def card(self, ctx: Ctx, b: Article, k: int, size: str = "md", dek: bool = True, image: bool = True) -> str:
        href = ctx.site.href(b, k)
        img = (f'<div class="{cx("Card.media")}"><a href="{at(href)}" tabindex="-1" aria-hidden="true"><div class="{cx("Image.wrap")}">'
               f'<img class="{cx("Image.img")}" src="/img/{b.slug}.jpg" alt="" width="480" height="320" loading="lazy">'
               f'</div></a></div>' if image else "")
        d = f'<p class="{cx("Card.dek")}" data-testid="card-dek">{t(b.dek)}</p>' if dek else ""
        return (f'<div class="{cx("Card.root")} {cx("Card." + size)}" data-testid="card"><div class="{sc("card-" + size)}">{img}'
                f'<div class="{cx("Card.body")}"><div class="{cx("Card.kicker")}"><span>{t(self.sections[b.section])}</span></div>'
                f'<div class="{cx("Card.headline")}"><a href="{at(href)}" class="{cx("Card.link")}"><h3 class="{sc("h3")}">'
                f'<span>{t(b.title)}</span></h3></a></div>{d}<div class="{cx("Card.meta")}"><span class="{cx("Byline.name")}">'
                f'By {t(b.author)}</span><time class="{cx("Card.time")}" datetime="{b.iso}">{b.date("%B %d, %Y")}</time>'
                f'</div></div></div></div>\n')

    def most_read(self, ctx: Ctx, a: Article | None) -> str:
        items = "".join(f'<li class="{cx("MostRead.item")}"><div class="{cx("MostRead.rank")}">{n + 1}</div>'
                        f'<div class="{cx("MostRead.text")}"><a href="{at(track(ctx.site.href(b, 50 + n), f"itid=mr_{n + 1}" if n % 2 else ""))}">'
                        f'<span>{t(b.title)}</span></a></div></li>' for n, b in enumerate(ctx.site.most_read(a)))
        return (f'<section class="{cx("MostRead.root")}" data-testid="most-read"><div class="{sc("mr")}"><h2 class="{cx("MostRead.title")}">'
                f'Most Read</h2><ol class="{cx("MostRead.list")}">{items}</ol></div></section>')

    def comments(self, a: Article) -> str:
        items = "".join(f'<div class="{cx("Comment.root")}"><div class="{cx("Comment.head")}"><span class="{cx("Comment.user")}">'
                        f'{t(who)}</span><span class="{cx("Comment.time")}">{n + 2} hours ago</span></div>'
                        f'<div class="{cx("Comment.body")}"><div>{t(text)}</div></div></div>'
                        for n, (who, text) in enumerate(a.comments))
        return (f'<section class="{cx("Comments.root")}" id="comments" data-testid="comments"><div class="{sc("cm")}">'
                f'<h2>Comments ({len(a.comments)})</h2>{items}</div></section>')

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 6)
        body = []
        for i, p in enumerate(a.paragraphs):
            body.append(f'<div class="{cx("Paragraph.wrap")}"><p class="{cx("Paragraph.text")} {sc("p")}" '
                        f'data-el="text" dir="null">{t(p)}</p></div>')
            if i == 1:
                r = rel[0]
                body.append(f'<div class="{cx("Interstitial.root")}" data-qa="interstitial-link"><div><b>Read more:</b> '
                            f'<a href="{at(track(site.href(r, 3), f"itid=lk_interstitial_manual_{i}"))}">{t(r.title)}</a></div></div>')
            if i == 3:
                body.append(f'<div class="{cx("Newsletter.inline")}" data-qa="newsletter-inline"><div class="{cx("Newsletter.copy")}">'
                            f'<span>{t(self.newsletter())}</span></div><a href="/newsletters/?itid=nl_inline">Sign up</a></div>')
            if i == 4 and len(a.paragraphs) > 6:
                body.append(f'<div class="{cx("AdSlot.inline")}"><div class="{cx("AdSlot.label")}">ADVERTISEMENT</div>'
                            f'<div class="{cx("AdSlot.note")}">Story continues below advertisement</div></div>')
                body.append(f'<div class="{cx("RelatedStory.root")}" data-testid="inline-story">{self.card(ctx, rel[1], 6, "sm")}</div>')
        more = "".join(self.card(ctx, b, 10 + i) for i, b in enumerate(rel[2:5] + site.most_read(a)[:1]))
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<link rel="amphtml" href="{at(ctx.abs(self.article_path(a) + "?outputType=amp"))}">\n'
                f'<meta property="og:type" content="article"><meta property="og:title" content="{at(a.title)}">'
                f'<meta name="description" content="{at(a.dek)}">\n'
                + jsonld(ctx, a, description=a.dek, articleSection=self.sections[a.section],
                         mainEntityOfPage=canonical))
        fusion = {"_id": f"{a.id:X}ZQ4RT", "type": "story", "headlines": {"basic": a.title},
                  "subheadlines": {"basic": a.dek}, "content_elements": [{"type": "text", "content": p} for p in a.paragraphs],
                  "credits": {"by": [{"name": a.author}]}, "display_date": a.iso}
        label = (f'<div class="{cx("Label.sponsored")}">Paid content from Harbourline Energy</div>' if a.kind == "sponsored" else "")
        main = f"""<main class="{cx("Main.root")}" id="main-content"><div class="{sc("grid")}"><div class="{cx("Grid.row")}"><div class="{cx("Grid.col8")}">
<div class="{cx("Story.root")}" data-testid="story"><div class="{cx("Story.header")}"><div class="{cx("Story.headerInner")}">
{label}<div class="{cx("Kicker.root")}"><a href="/{a.section}/">{t(self.sections[a.section])}</a></div>
<h1 class="{cx("Headline.h1")} {sc("h1")}" data-qa="headline"><span>{t(a.title)}</span></h1>
<h2 class="{cx("Subheadline.h2")}" data-qa="subheadline">{t(a.dek)}</h2>
<div class="{cx("Byline.root")}"><div><div><span>By </span><a href="/people/{slugify(a.author)}/" rel="author">{t(a.author)}</a></div>
<div class="{cx("Timestamp.root")}"><span data-testid="display-date">{a.date("%B %d, %Y at %I:%M %p UTC")}</span></div></div></div>
<div class="{cx("ShareBar.root")}"><button>Gift this article</button><a href="/p/{a.id:x}/">Share</a></div>
</div></div>
<figure class="{cx("Lead.figure")}"><div><div><img src="/img/{a.slug}.jpg" alt="" width="1200" height="675"></div></div>
<figcaption class="{cx("Lead.caption")}"><span>(Photo: Ledger staff)</span></figcaption></figure>
<div class="{cx("Story.body")} {sc("body")}" data-qa="article-body"><div class="{cx("Story.bodyInner")}">
{chr(10).join(body)}
</div></div>
<div class="{cx("Story.tags")}">{''.join(f'<a href="/topic/{g}/" class="{cx("Tag.link")}">{t(g)}</a>' for g in a.tags)}</div>
{self.comments(a)}
</div></div>
<div class="{cx("Grid.col4")}"><aside class="{cx("RightRail.root")}"><div class="{cx("AdSlot.rail")}"><div class="{cx("AdSlot.label")}">ADVERTISEMENT</div></div>
{self.most_read(ctx, a)}</aside></div></div>
<section class="{cx("Chain.root")}" data-testid="chain"><div class="{sc("chain")}"><h2 class="{cx("Chain.title")}"><a href="/{a.section}/">More from {t(self.sections[a.section])}</a></h2>
<div class="{cx("Chain.grid")}">{more}</div></div></section>
</div></main>"""
        return self.layout(ctx, a.title, main, head, fusion)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        lead, rest = (arts[:1], arts[1:]) if page == 1 else ([], arts)
        cards = "".join(self.card(ctx, b, i, "lg") for i, b in enumerate(lead))
        cards += "".join(self.card(ctx, b, 1 + i, "sm", dek=(i % 3 != 2), image=(i % 2 == 0)) for i, b in enumerate(rest))
        more = ""
        if page < pages:
            more = (f'<div class="{cx("LoadMore.root")}"><a class="{cx("Button.secondary")}" '
                    f'href="{self.collection_path(kind, key, page + 1)}">Load more stories</a></div>')
        heading = (f'<div class="{cx("SectionHeader.root")}"><h1 class="{sc("h1s")}">{t(title)}</h1></div>'
                   if kind != "home" else "")
        main = (f'<main class="{cx("Main.root")}" id="main-content"><div class="{sc("front")}">{heading}<div class="{cx("Grid.row")}">'
                f'<div class="{cx("Grid.col8")}"><div class="{cx("Feed.root")}">{cards}</div>{more}</div>'
                f'<div class="{cx("Grid.col4")}">{self.most_read(ctx, None)}</div></div></div></main>')
        return self.layout(ctx, title, main)
