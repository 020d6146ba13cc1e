"""A newsletter platform (Substack style): ``/p/slug`` posts with ``?s=r``/``?r=`` share copies and a
``/p/slug/comments`` copy that shows the post over its discussion, ``/home/post/p-ID`` links that
redirect, a subscribe widget repeated inside the body, an embedded post of the same publication
(one link around header, title, excerpt and meta), a "captioned" button line, like/comment/share
counters, a nested discussion with Like/Reply/Share buttons, "Recommended" post previews, an
``/archive?sort=new&page=N`` archive, ``/s/section`` and ``/t/tag`` pages, author profiles."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, jsonld, t
from ..text import slugify


class Substack(Family):
    name = "substack"
    site_name = "The Causeway"
    sections = {"dispatches": "Dispatches", "money": "Money", "longreads": "Longreads"}
    press_section = "money"
    page_size = 12
    slash_policy = "redirect"
    deleted_status = 404
    feed_path = "/feed"
    authors = ["Rosa Lindqvist", "Kwame Mensah", "Yuki Tanaka"]

    def article_path(self, a: Article) -> str:
        return f"/p/{a.slug}"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"share": f"/p/{a.slug}?s=r", "comments": f"/p/{a.slug}/comments"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/home/post/p-{a.id * 31}": self.article_path(a)}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        if kind == "home":
            return f"/archive?sort=new&page={page}" if page > 1 else "/"
        base = {"section": f"/s/{key}", "tag": f"/t/{key}", "author": f"/profile/{slugify(key)}",
                "month": f"/archive/{key}"}[kind]
        return base + (f"?page={page}" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return a.dek          # the post's subtitle

    def subscribe(self) -> str:
        return "Thanks for reading The Causeway! Subscribe for free to receive new posts and support my work."

    def footer_line(self) -> str:
        return "\u00a9 2024 The Causeway \u00b7 Privacy \u00b7 Terms \u00b7 Collection notice"

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.subscribe(), "Ready for more?", "Discussion about this post",
                "Start writing", "Get the app"]

    # -- pieces ----------------------------------------------------------------------------------
    def layout(self, ctx: Ctx, title: str, main: str, head: str = "") -> str:
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t(title)}</title>
<link rel="alternate" type="application/rss+xml" href="/feed" title="{at(self.site_name)}">
{head}
</head>
<body><div id="entry"><div id="main" class="main typography use-theme-bg">
<div class="topbar"><div class="topbar-content"><a class="navbar-title-link" href="/">{t(self.site_name)}</a>
<div class="navbar-buttons"><button class="button primary subscribe-btn">Subscribe</button><a class="button sign-in-link" href="/sign-in?redirect=%2F">Sign in</a></div></div>
<div class="section-bar"><a href="/">Home</a>{"".join(f'<a href="/s/{s}">{t(n)}</a>' for s, n in self.sections.items())}<a href="/archive?sort=new">Archive</a><a href="/about">About</a></div></div>
{main}
<div class="footer-wrap"><div class="footer"><div class="footer-copyright">{t(self.footer_line())}</div>
<div class="footer-slogan-container"><a href="https://substack.com/signup">Start writing</a><a href="https://substack.com/app">Get the app</a></div></div></div>
</div></div></body></html>
"""

    def widget(self) -> str:
        return (f'<div class="subscription-widget-wrap"><div class="subscription-widget show-subscribe">'
                f'<div class="preamble"><p class="cta-caption">{t(self.subscribe())}</p></div>'
                f'<form class="subscription-widget-subscribe"><input type="email" class="email-input" name="email" placeholder="Type your email\u2026" tabindex="-1">'
                f'<input type="submit" class="button primary" value="Subscribe"></form></div></div>')

    def preview(self, ctx: Ctx, b: Article, k: int) -> str:
        href = at(ctx.site.href(b, k))
        return f"""<div class="post-preview portable-archive-post">
<div class="post-preview-content"><a class="post-preview-title newsletter" href="{href}">{t(b.title)}</a>
<div class="post-preview-description"><a href="{href}">{t(b.dek)}</a></div>
<div class="post-preview-meta"><time datetime="{b.iso}">{b.published:%b %d}</time> \u2022 <a href="/profile/{slugify(b.author)}">{t(b.author.upper())}</a>
<span class="like-count">{(b.id * 7) % 90 + 3}</span><span class="comment-count">{len(b.comments)}</span></div></div>
<a class="post-preview-image" href="{href}"><img src="/img/{b.slug}.jpg" alt=""></a>
</div>
"""

    def discussion(self, a: Article) -> str:
        def comment(n, who, text, replies=""):
            return f"""<div class="comment" data-id="{a.id}{n}"><div class="comment-content">
<div class="comment-meta"><a class="commenter-name" href="/profile/{slugify(who)}">{t(who)}</a><a href="/p/{a.slug}/comment/{a.id * 100 + n}"><time>{a.published:%b %d}</time></a></div>
<div class="comment-body"><p>{t(text)}</p></div>
<div class="comment-actions"><button class="like-button">Like</button><button class="reply-button">Reply</button><button class="share-button">Share</button></div>
</div>{replies}</div>
"""
        items = []
        cs = a.comments
        for n, (who, text) in enumerate(cs):
            if n == 1 and len(cs) > 2:     # the third comment is a reply to the second
                items.append(comment(n, who, text, '<div class="comment-list-items">' + comment(2, *cs[2]) + "</div>"))
            elif n == 2 and len(cs) > 2:
                continue
            else:
                items.append(comment(n, who, text))
        return f"""<div class="comments-section"><h3 class="comments-heading">Discussion about this post</h3>
<div class="comments-page"><div class="comment-input"><textarea placeholder="Write a comment..."></textarea><button>Post</button></div>
<div class="comment-list"><div class="comment-list-items">{"".join(items)}</div></div></div></div>
"""

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 5)
        body = []
        for i, p in enumerate(a.paragraphs):
            body.append(f"<p>{t(p)}</p>")
            if i == 1:
                body.append(self.widget())
            if i == 3:
                b = rel[0]
                body.append(f"""<div class="embedded-post-wrap"><a class="embedded-post" native="true" href="{at(site.href(b, 3))}">
<div class="embedded-post-header"><img class="embedded-post-publication-logo" src="/img/logo.png"><span class="embedded-post-publication-name">{t(self.site_name)}</span></div>
<div class="embedded-post-title-wrapper"><div class="embedded-post-title">{t(b.title)}</div></div>
<div class="embedded-post-body">{t(b.dek)}</div>
<div class="embedded-post-cta-wrapper"><span class="embedded-post-cta">Read more</span></div>
<div class="embedded-post-meta">{(b.id * 3) % 11 + 1} months ago \u00b7 {(b.id * 7) % 90 + 3} likes \u00b7 {t(b.author)}</div></a></div>""")
            if i == len(a.paragraphs) - 2:
                b = rel[1]
                body.append(f'<p class="button-wrapper"><a class="button primary" href="{at(site.href(b, 5))}"><span>Read: {t(b.title)}</span></a></p>')
        counts = (f'<div class="post-ufi"><a class="post-ufi-button like-button" href="#"><span>{(a.id * 7) % 90 + 3}</span></a>'
                  f'<a class="post-ufi-button post-ufi-comment-button" href="/p/{a.slug}/comments"><span>{len(a.comments)}</span></a>'
                  f'<a class="post-ufi-button share" href="#"><span>Share</span></a></div>')
        recommended = "".join(self.preview(ctx, b, 10 + i) for i, b in enumerate(rel[2:5] + site.most_read(a)[:1]))
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<meta property="og:title" content="{at(a.title)}">\n'
                f'<meta property="og:type" content="article"><meta name="author" content="{at(a.author)}">\n'
                + jsonld(ctx, a))
        discussion = self.discussion(a) if ctx.form == "comments" or a.comments else ""
        main = f"""<div class="container"><div class="single-post-container"><div class="single-post">
<article class="typography newsletter-post post">
<div class="post-header"><h1 class="post-title published">{t(a.title)}</h1>
<h3 class="subtitle">{t(a.dek)}</h3>
<div class="post-meta"><div class="post-meta-item"><a href="/profile/{slugify(a.author)}">{t(a.author)}</a></div>
<div class="post-meta-item post-date"><time datetime="{a.iso}">{a.published:%b %d, %Y}</time></div>{'<div class="post-meta-item">Paid partnership</div>' if a.kind == "sponsored" else ''}</div>
{counts}</div>
<div class="available-content"><div class="body markup" dir="auto">
{chr(10).join(body)}
</div></div>
{self.widget()}
{counts}
</article>
<div class="post-footer"><h3>Ready for more?</h3>{self.widget()}</div>
{discussion}
<div class="recommendations"><h3 class="section-heading">Recommended</h3><div class="portable-archive-list">
{recommended}</div></div>
</div></div></div>"""
        return self.layout(ctx, a.title, main, head)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        items = "".join(self.preview(ctx, b, i) for i, b in enumerate(arts))
        more = ""
        if page < pages:
            more = f'<div class="portable-archive-more"><a class="button" href="{self.collection_path(kind, key, page + 1)}">Load more</a></div>'
        tabs = ("" if kind != "home" else
                '<div class="portable-archive-tabs"><a class="active" href="/archive?sort=new">Latest</a>'
                '<a href="/archive?sort=top">Top</a><a href="/archive?sort=community">Discussions</a></div>')
        heading = f'<h1 class="archive-title">{t(title)}</h1>' if kind != "home" else ""
        main = (f'<div class="container"><div class="archive-page">{heading}{tabs}'
                f'<div class="portable-archive-list">{items}</div>{more}</div></div>')
        return self.layout(ctx, title, main)
