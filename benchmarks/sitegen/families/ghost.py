"""Ghost with the Casper theme: ``/slug/`` posts, ``/slug/amp/`` copies, tag pages as sections,
``/page/N/`` pagination, post cards that are one link around headline and excerpt, a bookmark card,
a newsletter callout and an editor's "Further reading" list inside ``.gh-content``, a "Sign up for more like this" footer CTA, a
"Read more" strip of three cards after the post, older dated permalinks that redirect."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, jsonld, t
from ..text import slugify


class Ghost(Family):
    name = "ghost"
    site_name = "Northern Dispatch"
    sections = {"politics": "Politics", "economy": "Economy", "society": "Society", "science": "Science"}
    press_section = "economy"
    page_size = 9
    slash_policy = "redirect"
    deleted_status = 404
    feed_path = "/rss/"
    authors = ["Mikkel Holm", "Ana Petrova", "Levan Beridze", "Clara Duarte", "Emre Kaya"]

    def article_path(self, a: Article) -> str:
        return f"/{a.slug}/"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"amp": f"/{a.slug}/amp/"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        # redirects.yaml after a slug change, and the old Ghost 0.x dated permalink
        return {f"/{a.published:%Y/%m/%d}/{a.slug}/": self.article_path(a)}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        base = {"home": "/", "section": f"/tag/{key}/", "tag": f"/tag/{key}/", "author": f"/author/{slugify(key)}/",
                "month": f"/archive/{key}/"}[kind]
        return base + (f"page/{page}/" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return a.dek           # the post's custom excerpt

    def cta(self) -> str:
        return "Sign up for more like this."

    def callout(self) -> str:
        return "Enjoying the Dispatch? Get every new story delivered straight to your inbox, for free."

    def footer_line(self) -> str:
        return "Northern Dispatch \u00a9 2024. Published with Ghost & Casper."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.cta(), self.callout(), "Enter your email", "Powered by Ghost"]

    def robots(self, host: str) -> str:
        return f"User-agent: *\nSitemap: http://{host}/sitemap.xml\nDisallow: /ghost/\nDisallow: /p/\nDisallow: /email/\n"

    # -- pieces ----------------------------------------------------------------------------------
    def layout(self, ctx: Ctx, title: str, body_class: str, main: str, head: str = "") -> str:
        nav = "".join(f'<li class="nav-{s}"><a href="/tag/{s}/">{t(n)}</a></li>' for s, n in self.sections.items())
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{t(title)}</title>
<meta name="HandheldFriendly" content="True">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" type="text/css" href="/assets/built/screen.css?v=a1b2c3">
<meta name="generator" content="Ghost 5.82">
<link rel="alternate" type="application/rss+xml" title="{at(self.site_name)}" href="/rss/">
{head}
</head>
<body class="{body_class} has-sans-title has-sans-body">
<div class="viewport">
<header id="gh-head" class="gh-head outer is-head-left-logo">
<div class="gh-head-inner inner">
<div class="gh-head-brand"><a class="gh-head-logo" href="/">{t(self.site_name)}</a></div>
<nav class="gh-head-menu"><ul class="nav"><li class="nav-home"><a href="/">Home</a></li>{nav}<li class="nav-archive"><a href="/archive/{ctx.site.newest()[0].published:%Y-%m}/">Archive</a></li></ul></nav>
<div class="gh-head-actions"><a class="gh-head-button" href="#/portal/signup" data-portal="signup">Subscribe</a></div>
</div>
</header>
<div class="site-content">
{main}
</div>
<footer class="site-footer outer">
<div class="inner">
<section class="copyright"><a href="/">{t(self.site_name)}</a> &copy; 2024</section>
<nav class="site-footer-nav"><ul class="nav"><li><a href="/about/">About</a></li><li><a href="/rss/">RSS</a></li></ul></nav>
<div class="gh-powered-by"><a href="https://ghost.org/" target="_blank" rel="noopener">Powered by Ghost</a></div>
<p class="site-footer-line">{t(self.footer_line())}</p>
</div>
</footer>
</div>
<script src="/assets/built/casper.js?v=a1b2c3"></script>
</body>
</html>
"""

    def post_card(self, ctx: Ctx, b: Article, k: int, large: bool = False) -> str:
        href = ctx.site.href(b, k)
        tag = self.sections.get(b.section, b.section)
        return f"""<article class="post-card post tag-{b.section}{' post-card-large' if large else ''}">
<a class="post-card-image-link" href="{at(href)}"><img class="post-card-image" srcset="/img/{b.slug}.jpg 300w" sizes="(max-width: 1000px) 400px, 800px" src="/img/{b.slug}.jpg" alt="{at(b.title)}" loading="lazy"></a>
<div class="post-card-content">
<a class="post-card-content-link" href="{at(href)}">
<header class="post-card-header"><div class="post-card-tags"><span class="post-card-primary-tag">{t(tag)}</span></div>
<h2 class="post-card-title">{t(b.title)}</h2></header>
<div class="post-card-excerpt">{t(self.excerpt(b))}</div>
</a>
<footer class="post-card-meta"><time class="post-card-meta-date" datetime="{b.published:%Y-%m-%d}">{b.date("%b %d, %Y")}</time>
<span class="post-card-meta-length">{max(2, len(b.paragraphs) // 2)} min read</span></footer>
</div>
</article>
"""

    def comments(self, a: Article) -> str:
        items = "".join(f"""<div class="gh-comment"><div class="gh-comment-avatar">{t(who[:1].upper())}</div>
<div class="gh-comment-main"><h4 class="gh-comment-name">{t(who)}</h4><div class="gh-comment-date">{n + 1}d ago</div>
<div class="gh-comment-body"><p>{t(text)}</p></div>
<div class="gh-comment-actions"><button>Like</button><button>Reply</button></div></div></div>
""" for n, (who, text) in enumerate(a.comments))
        return f"""<section class="article-comments gh-canvas">
<div id="ghost-comments-root" data-ghost-comments="/members/api/comments/" data-post-id="{a.id:024x}">
<h2 class="gh-comments-title">{len(a.comments)} comments</h2>
{items}</div>
</section>
"""

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 4)
        body = []
        for i, p in enumerate(a.paragraphs):
            body.append(f"<p>{t(p)}</p>")
            if i == 2:
                b = rel[0]
                body.append(f"""<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="{at(site.href(b, 2))}">
<div class="kg-bookmark-content"><div class="kg-bookmark-title">{t(b.title)}</div>
<div class="kg-bookmark-description">{t(self.excerpt(b))}</div>
<div class="kg-bookmark-metadata"><img class="kg-bookmark-icon" src="/favicon.png" alt=""><span class="kg-bookmark-author">{t(self.site_name)}</span><span class="kg-bookmark-publisher">{t(b.author)}</span></div></div>
<div class="kg-bookmark-thumbnail"><img src="/img/{b.slug}.jpg" alt="" onerror="this.style.display = 'none'"></div></a></figure>""")
            if i == len(a.paragraphs) - 2:    # the editor's own list of links, typed into the post
                reading = "".join(f'<li><a href="{at(site.href(b, 12 + j))}">{t(b.title)}</a></li>'
                                  for j, b in enumerate(rel[3:4] + site.latest(a, 2)))
                body.append(f"<h3 id=\"further-reading\">Further reading</h3>\n<ul>{reading}</ul>")
            if i == len(a.paragraphs) - 3:
                body.append(f'<div class="kg-card kg-callout-card kg-callout-card-accent"><div class="kg-callout-emoji">\U0001f48c</div>'
                            f'<div class="kg-callout-text">{t(self.callout())} <a href="#/portal/signup">Subscribe</a></div></div>')
        read_more = "".join(self.post_card(ctx, b, 7 + i) for i, b in enumerate(rel[1:3] + site.most_read(a)[:1]))
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<meta name="referrer" content="no-referrer-when-downgrade">\n'
                f'<link rel="amphtml" href="{at(ctx.abs(f"/{a.slug}/amp/"))}">\n'
                f'<meta property="og:type" content="article"><meta property="og:title" content="{at(a.title)}">\n'
                f'<meta property="article:published_time" content="{a.iso}">\n'
                + jsonld(ctx, a, description=a.dek).replace('"NewsArticle"', '"Article"'))
        tag = self.sections.get(a.section, a.section)
        main = f"""<main id="site-main" class="site-main">
<article class="article post tag-{a.section} {'tag-hash-sponsored ' if a.kind == 'sponsored' else ''}">
<header class="article-header gh-canvas">
<div class="article-tag post-card-tags"><span class="post-card-primary-tag"><a href="/tag/{a.section}/">{t(tag)}</a></span></div>
<h1 class="article-title">{t(a.title)}</h1>
<p class="article-excerpt">{t(a.dek)}</p>
<div class="article-byline"><section class="article-byline-content">
<ul class="author-list"><li class="author-list-item"><a href="/author/{slugify(a.author)}/" class="author-avatar author-profile-image"><img src="/img/{slugify(a.author)}.jpg" alt="{at(a.author)}"></a></li></ul>
<div class="article-byline-meta"><h4 class="author-name"><a href="/author/{slugify(a.author)}/">{t(a.author)}</a></h4>
<div class="byline-meta-content"><time class="byline-meta-date" datetime="{a.published:%Y-%m-%d}">{a.date("%b %d, %Y")}</time>
<span class="byline-reading-time"><span class="bull">&bull;</span> {max(2, len(a.paragraphs) // 2)} min read</span></div></div>
</section></div>
<figure class="article-image"><img srcset="/img/{a.slug}.jpg 1200w" src="/img/{a.slug}.jpg" alt="{at(a.title)}"></figure>
</header>
<section class="gh-content gh-canvas">
{chr(10).join(body)}
</section>
{self.comments(a)}
</article>
</main>
<section class="footer-cta outer"><div class="inner">
<h2 class="footer-cta-title">{t(self.cta())}</h2>
<a class="footer-cta-button" href="#/portal" data-portal><div class="footer-cta-input">Enter your email</div><span>Subscribe</span></a>
</div></section>
<aside class="read-more-wrap outer"><div class="read-more inner">
{read_more}</div></aside>"""
        return self.layout(ctx, a.title, "post-template", main, head)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        cards = "".join(self.post_card(ctx, b, i, large=(i == 0 and page == 1 and kind == "home"))
                        for i, b in enumerate(arts))
        nav = []
        if page > 1:
            prev = self.collection_path(kind, key, page - 1)
            nav.append(f'<a class="newer-posts" href="{prev}">&larr; Newer Posts</a>')
        nav.append(f'<span class="page-number">Page {page} of {pages}</span>')
        if page < pages:
            nav.append(f'<a class="older-posts" href="{self.collection_path(kind, key, page + 1)}">Older Posts &rarr;</a>')
        header = "" if kind == "home" else (
            f'<section class="post-card post-card-large"><div class="post-card-content"><div class="post-card-content-link">'
            f'<header class="post-card-header"><h2 class="post-card-title">{t(title)}</h2></header>'
            f'<div class="post-card-excerpt">{len(ctx.site.collections()[(kind, key)])} posts</div></div></div></section>')
        main = (f'<main id="site-main" class="site-main outer"><div class="inner posts">{header}'
                f'<div class="post-feed">\n{cards}</div>'
                f'<nav class="pagination" role="navigation">{"".join(nav)}</nav></div></main>')
        head = (f'<link rel="next" href="{self.collection_path(kind, key, page + 1)}">' if page < pages else "")
        body_class = "home-template" if kind == "home" else ("tag-template" if kind in ("tag", "section")
                                                             else f"{kind}-template")
        return self.layout(ctx, title, body_class, main, head)
