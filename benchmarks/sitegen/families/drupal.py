"""Drupal 10 with views blocks: field-by-field views rows, an entity-reference field of other stories
inside the article node, core's "Popular content" item list, a 0-based ``?page=`` pager, ``/node/NID``
and ``/index.php/...`` copies, ``?amp`` copies. No class name says "teaser" or "related"."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, jsonld, t
from ..text import slugify, words


class Drupal(Family):
    name = "drupal"
    site_name = "The Valley Courier"
    sections = {"news": "News", "politics": "Politics", "business": "Business", "opinion": "Opinion"}
    press_section = "business"
    page_size = 8
    slash_policy = "serve"
    deleted_status = 404
    feed_path = "/rss.xml"

    def article_path(self, a: Article) -> str:
        return f"/{a.section}/{a.slug}"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"node": f"/node/{a.id}", "index_php": f"/index.php/{a.section}/{a.slug}",
                "amp": f"/{a.section}/{a.slug}?amp"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/content/{a.slug}": self.article_path(a)}       # the Drupal 7 path, kept by the redirect module

    def collection_path(self, kind: str, key: str, page: int) -> str:
        base = {"home": "/", "section": f"/{key}", "tag": f"/topics/{key}", "author": f"/users/{slugify(key)}",
                "month": f"/archive/{key.replace('-', '')}"}[kind]
        return base + (f"?page={page - 1}" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return words(a.paragraphs[0], 40)

    def newsletter(self) -> str:
        return "Stay informed on our latest news! Our weekly digest of valley politics lands every Friday morning."

    def footer_line(self) -> str:
        return f"\u00a9 2024 {self.site_name}, 12 Mill Street, Riverton. All rights reserved."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.newsletter(), "Add new comment",
                "Your email address will not be made public"]

    def robots(self, host: str) -> str:
        return ("User-agent: *\nDisallow: /admin/\nDisallow: /comment/reply/\nDisallow: /user/login\n"
                f"Disallow: /search/\n\nSitemap: http://{host}/sitemap.xml\n")

    # -- pieces ----------------------------------------------------------------------------------
    def views_row(self, ctx: Ctx, b: Article, k: int, image: bool = True, body: bool = True) -> str:
        href = ctx.site.href(b, k)
        img = (f'<div class="views-field views-field-field-image"><div class="field-content"><a href="{at(href)}">'
               f'<img loading="lazy" src="/img/{b.slug}.jpg" width="320" height="180" alt=""></a></div></div>\n'
               if image else "")
        summary = (f'<div class="views-field views-field-body"><div class="field-content">'
                   f'{t(self.excerpt(b))}\u2026</div></div>\n' if body else "")
        return (f'<div class="views-row">\n{img}<div class="views-field views-field-title"><span class="field-content">'
                f'<a href="{at(href)}" hreflang="en">{t(b.title)}</a></span></div>\n'
                f'<div class="views-field views-field-created"><span class="field-content"><time datetime="{b.iso}">'
                f'{b.date("%m/%d/%Y")}</time></span></div>\n{summary}</div>\n')

    def view(self, view_id: str, rows: str, title: str | None = None, block: bool = True) -> str:
        head = f'<h2>{t(title)}</h2>\n' if title else ""
        inner = (f'<div class="views-element-container"><div class="view view-{view_id.replace("_", "-")} '
                 f'view-id-{view_id} view-display-id-block_1 js-view-dom-id-{len(view_id) * 7919:06d}">\n'
                 f'<div class="view-content">\n{rows}</div>\n</div></div>\n')
        if not block:
            return inner
        return (f'<div class="block block-views block-views-block{view_id.replace("_", "-")}-block-1">\n'
                f'{head}<div class="content">\n{inner}</div>\n</div>\n')

    def layout(self, ctx: Ctx, title: str, content: str, sidebar: str, head: str = "") -> str:
        nav = "".join(f'<li class="menu-item"><a href="/{s}" data-drupal-link-system-path="taxonomy/term/{i + 1}">'
                      f'{t(n)}</a></li>' for i, (s, n) in enumerate(self.sections.items()))
        return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{t(title)} | {t(self.site_name)}</title>
<link rel="alternate" type="application/rss+xml" title="{at(self.site_name)}" href="/rss.xml">
{head}
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas" data-off-canvas-main-canvas>
<div class="layout-container">
<header role="banner">
<div class="region region-header">
<div id="block-site-branding" class="block block-system block-system-branding-block">
<a href="/" rel="home" class="site-branding__name">{t(self.site_name)}</a>
<div class="site-branding__slogan">Independent news from the valley since 1921</div>
</div>
</div>
<div class="region region-primary-menu">
<nav role="navigation" aria-labelledby="block-main-menu" id="block-main-navigation" class="block block-menu navigation menu--main">
<h2 class="visually-hidden" id="block-main-menu">Main navigation</h2>
<ul class="menu"><li class="menu-item"><a href="/">Home</a></li>{nav}</ul>
</nav>
</div>
</header>
<main role="main">
<a id="main-content" tabindex="-1"></a>
<div class="layout-content">
<div class="region region-content">
<div data-drupal-messages-fallback class="hidden"></div>
{content}
</div>
</div>
<aside class="layout-sidebar-second" role="complementary">
<div class="region region-sidebar-second">
{sidebar}
</div>
</aside>
</main>
<footer role="contentinfo">
<div class="region region-footer">
<nav role="navigation" class="block block-menu navigation menu--footer"><ul class="menu">
<li class="menu-item"><a href="/about">About us</a></li><li class="menu-item"><a href="/contact">Contact</a></li>
<li class="menu-item"><a href="/rss.xml">RSS feed</a></li></ul></nav>
<div class="block block-block-content"><p>{t(self.footer_line())}</p></div>
</div>
</footer>
</div>
</div>
</body>
</html>
"""

    def sidebar(self, ctx: Ctx, a: Article | None) -> str:
        popular = "".join(f'<li><a href="{at(ctx.site.href(b, 20 + i))}" hreflang="en">{t(b.title)}</a></li>'
                          for i, b in enumerate(ctx.site.most_read(a)))
        return f"""<div id="block-popular" class="block block-statistics block-statistics-popular-block">
<h2>Popular content</h2>
<div class="content"><div class="item-list"><h3>Today's:</h3><ul>{popular}</ul></div></div>
</div>
<div id="block-newsletter" class="block block-simplenews block-simplenews-subscription-block">
<h2>Newsletter</h2>
<div class="content"><p>{t(self.newsletter())}</p>
<form class="simplenews-subscriber-form" action="/newsletter/subscribe" method="post">
<input type="email" name="mail[0][value]" placeholder="Email"><input type="submit" value="Subscribe"></form></div>
</div>
"""

    def comments(self, a: Article) -> str:
        items = []
        for n, (who, text) in enumerate(a.comments):
            cid = a.id * 10 + n
            items.append(f"""<article data-comment-user-id="0" id="comment-{cid}" class="comment js-comment by-anonymous">
<footer class="comment__meta"><p class="comment__author"><span>{t(who)}</span></p>
<p class="comment__time">{a.date("%a, %m/%d/%Y")} - 1{n}:2{n}</p></footer>
<div class="content">
<h3><a href="#comment-{cid}" class="permalink" rel="bookmark" hreflang="en">{t(words(text, 4))}</a></h3>
<div class="clearfix text-formatted field field--name-comment-body field--type-text-long field--label-hidden field__item"><p>{t(text)}</p></div>
<ul class="links inline"><li class="comment-reply"><a href="/comment/reply/node/{a.id}/comment/{cid}">Reply</a></li></ul>
</div>
</article>
""")
        return f"""<section class="field field--name-comment field--type-comment field--label-above comment-wrapper">
{'<h2 class="title comment-section-title">Comments</h2>' if items else ''}
{''.join(items)}
<h2 class="title comment-form__title">Add new comment</h2>
<form class="comment-comment-form comment-form" action="/comment/reply/node/{a.id}/comment" method="post">
<label for="edit-name">Your name</label><input type="text" id="edit-name" name="name">
<div class="description">Your email address will not be made public</div>
<textarea name="comment_body[0][value]" rows="5"></textarea><input type="submit" value="Save"></form>
</section>
"""

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        related = site.related(a, ctx.form, 5)
        paras = []
        for i, p in enumerate(a.paragraphs):
            paras.append(f"<p>{t(p)}</p>")
            if i == 2 and len(a.paragraphs) > 5:     # an editor's "Read also" line in the body field
                r = related[4]
                paras.append(f'<p><strong>Read also:</strong> <a href="{at(site.href(r, 2))}">{t(r.title)}</a></p>')
        tags = "".join(f'<div class="field__item"><a href="/topics/{at(g)}" hreflang="en">{t(g)}</a></div>'
                       for g in a.tags)
        more = "".join(f"""<div class="field__item"><article role="article" class="node node--type-article node--view-mode-small-list">
<a href="{at(site.href(b, 5 + i))}"><img src="/img/{b.slug}.jpg" width="160" height="90" alt="{at(b.title)}"></a>
<h3 class="node__title"><a href="{at(site.href(b, 6 + i))}" rel="bookmark"><span class="field field--name-title">{t(b.title)}</span></a></h3>
<div class="clearfix text-formatted field field--name-body field--label-hidden field__item">{t(self.excerpt(b))}\u2026</div>
</article></div>
""" for i, b in enumerate(related[:3]))
        # outside the node: "More from <section>": two other stories and the first popular one again
        rows = "".join(self.views_row(ctx, b, 11 + i) for i, b in enumerate(related[2:4] + site.most_read(a)[:1]))
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<link rel="shortlink" href="{at(ctx.abs(f"/node/{a.id}"))}">\n'
                f'<link rel="amphtml" href="{at(ctx.abs(self.article_path(a) + "?amp"))}">\n'
                f'<meta property="og:type" content="article">\n<meta property="og:title" content="{at(a.title)}">\n'
                f'<meta property="article:published_time" content="{a.iso}">\n' + jsonld(ctx, a))
        label = '<div class="field field--name-field-label"><span>Sponsored content</span></div>\n' \
            if a.kind == "sponsored" else ""
        content = f"""<div id="block-site-content" class="block block-system block-system-main-block">
<article role="article" about="{at(self.article_path(a))}" class="node node--type-article node--promoted node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title field--type-string field--label-hidden">{t(a.title)}</span></h1>
<footer class="node__meta"><div class="node__submitted">Submitted by <span class="field field--name-uid"><a href="/users/{slugify(a.author)}">{t(a.author)}</a></span> on <span class="field field--name-created"><time datetime="{a.iso}">{a.date("%a, %m/%d/%Y - %H:%M")}</time></span></div></footer>
<div class="node__content">
{label}<div class="field field--name-field-image field--type-image field--label-hidden field__item"><img src="/img/{a.slug}.jpg" width="960" height="540" alt=""></div>
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item">
{chr(10).join(paras)}
</div>
<div class="field field--name-field-tags field--type-entity-reference field--label-above"><div class="field__label">Tags</div><div class="field__items">{tags}</div></div>
<div class="field field--name-field-more-stories field--type-entity-reference field--label-above">
<div class="field__label">More stories</div>
<div class="field__items">
{more}</div>
</div>
{self.comments(a)}
</div>
</article>
</div>
{self.view("content_recent", rows, f"More from {self.sections[a.section]}")}"""
        return self.layout(ctx, a.title, content, self.sidebar(ctx, a), head)

    def pager(self, page: int, pages: int) -> str:
        if pages == 1:
            return ""
        items = []
        if page > 1:
            items.append('<li class="pager__item pager__item--first"><a href="?page=0" title="Go to first page">'
                         '<span aria-hidden="true">\u00ab First</span></a></li>')
            items.append(f'<li class="pager__item pager__item--previous"><a href="?page={page - 2}" rel="prev">'
                         '<span aria-hidden="true">\u2039 Previous</span></a></li>')
        for p in range(1, pages + 1):
            cls = " is-active" if p == page else ""
            items.append(f'<li class="pager__item{cls}"><a href="?page={p - 1}">{p}</a></li>')
        if page < pages:
            items.append(f'<li class="pager__item pager__item--next"><a href="?page={page}" rel="next">'
                         '<span aria-hidden="true">Next \u203a</span></a></li>')
            items.append(f'<li class="pager__item pager__item--last"><a href="?page={pages - 1}">'
                         '<span aria-hidden="true">Last \u00bb</span></a></li>')
        return (f'<nav class="pager" role="navigation" aria-labelledby="pagination-heading">'
                f'<h4 id="pagination-heading" class="visually-hidden">Pagination</h4>'
                f'<ul class="pager__items js-pager__items">{"".join(items)}</ul></nav>')

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        rows = "".join(self.views_row(ctx, b, i) for i, b in enumerate(arts))
        heading = f'<h1 class="page-title">{t(title)}</h1>\n' if kind != "home" else ""
        content = (f'{heading}<div class="block block-system block-system-main-block">\n'
                   f'{self.view("taxonomy_term" if kind != "home" else "frontpage", rows, block=False)}'
                   f'{self.pager(page, pages)}</div>\n')
        return self.layout(ctx, title, content, self.sidebar(ctx, None))
