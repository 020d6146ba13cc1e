"""WordPress with a block theme (Twenty Twenty-Four style full-site editing): ``/yyyy/mm/slug/``
permalinks, ``?amp=1`` reader-mode copies, ``/?p=ID`` shortlinks, a latest-posts grid and a
subscription form inside ``.wp-block-post-content``, an inline "Related:" line, a "More posts" query
loop after the comments, Jetpack's "Most read" block in the footer template part, section pages
built with a query loop paginated by ``?query-2-page=N``, archives by ``/page/N/``."""
from __future__ import annotations

from ..model import Article, Ctx, at, t
from ..text import slugify, words
from .wordpress import WordPress


class WordPressBlock(WordPress):
    name = "wordpress-block"
    site_name = "Lakeside Chronicle"
    sections = {"news": "News", "city": "City", "schools": "Schools", "outdoors": "Outdoors"}
    press_section = "news"
    page_size = 6
    authors = ["Sofia Rossi", "Piotr Nowak", "Nina Horvat", "Mikkel Holm", "Irene Costa"]

    def article_path(self, a: Article) -> str:
        return f"/{a.published:%Y/%m}/{a.slug}/"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"index_php": "/index.php" + self.article_path(a), "amp": self.article_path(a) + "?amp=1"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/?p={a.id}": self.article_path(a)}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        if kind == "section":     # a Page with a query loop that does not inherit the main query
            return f"/{key}/" + (f"?query-2-page={page}" if page > 1 else "")
        base = {"home": "/", "tag": f"/tag/{key}/", "author": f"/author/{slugify(key)}/",
                "month": f"/{key.replace('-', '/')}/"}[kind]
        return base + (f"page/{page}/" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return words(a.paragraphs[0], 30)

    def newsletter(self) -> str:
        return "Subscribe to get the latest Chronicle stories sent to your email."

    def footer_line(self) -> str:
        return "Lakeside Chronicle, 4 Harbor Lane. Designed with WordPress."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.newsletter(), "Join 4,210 other subscribers.", "Leave a Reply",
                "Your email address will not be published. Required fields are marked"]

    # -- pieces ----------------------------------------------------------------------------------
    def layout(self, ctx: Ctx, title: str, body_class: str, content: str, a: Article | None = None,
               head: str = "") -> str:
        nav = "".join(f'<li class="wp-block-navigation-item wp-block-navigation-link"><a class="wp-block-navigation-item__content" '
                      f'href="/{s}/"><span class="wp-block-navigation-item__label">{t(n)}</span></a></li>'
                      for s, n in self.sections.items())
        top = "".join(f'<div class="jetpack-top-posts-item"><span class="jetpack-top-posts-title"><a href="{at(ctx.site.href(b, 80 + i))}">'
                      f'{t(b.title)}</a></span><span class="jetpack-top-posts-date has-small-font-size">{b.date("%B %d, %Y")}</span></div>'
                      for i, b in enumerate(ctx.site.most_read(a, 4)))
        return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t(title)} &#8211; {t(self.site_name)}</title>
<meta name="generator" content="WordPress 6.5.2">
<link rel="alternate" type="application/rss+xml" title="{at(self.site_name)} &raquo; Feed" href="/feed/">
<style id="global-styles-inline-css">body{{--wp--preset--color--base:#f9f9f9;}}</style>
{head}
</head>
<body class="{body_class} wp-embed-responsive">
<div class="wp-site-blocks">
<header class="wp-block-template-part"><div class="wp-block-group alignwide is-layout-flex wp-block-group-is-layout-flex">
<p class="wp-block-site-title"><a href="/" target="_self" rel="home">{t(self.site_name)}</a></p>
<nav class="is-responsive items-justified-right wp-block-navigation is-layout-flex" aria-label="Header navigation">
<ul class="wp-block-navigation__container items-justified-right wp-block-navigation">{nav}</ul></nav>
</div></header>
{content}
<footer class="wp-block-template-part"><div class="wp-block-group has-global-padding is-layout-constrained">
<div class="wp-block-columns alignwide is-layout-flex"><div class="wp-block-column is-layout-flow">
<h2 class="wp-block-heading has-medium-font-size">Most read</h2>
<div class="wp-block-jetpack-top-posts is-list-layout"><div class="jetpack-top-posts-wrapper">{top}</div></div>
</div><div class="wp-block-column is-layout-flow"><p class="has-small-font-size">{t(self.footer_line())}</p></div></div>
</div></footer>
</div>
</body>
</html>
"""

    def post_item(self, ctx: Ctx, b: Article, k: int, heading: str = "h2", more: bool = False) -> str:
        href = ctx.site.href(b, k)
        more_link = (f'<p class="wp-block-post-excerpt__more-text"><a class="wp-block-post-excerpt__more-link" '
                     f'href="{at(self.article_path(b))}">Read more</a></p>' if more else "")
        return (f'<li class="wp-block-post post-{b.id} post type-post status-publish format-standard has-post-thumbnail hentry category-{b.section}">'
                f'<div class="wp-block-group is-layout-flow"><figure class="wp-block-post-featured-image"><a href="{at(href)}" target="_self">'
                f'<img width="1024" height="683" src="/img/{b.slug}.jpg" alt="{at(b.title)}" style="object-fit:cover;"></a></figure>'
                f'<{heading} class="wp-block-post-title has-large-font-size"><a href="{at(href)}" target="_self">{t(b.title)}</a></{heading}>'
                f'<div class="wp-block-post-excerpt"><p class="wp-block-post-excerpt__excerpt">{t(self.excerpt(b))}&hellip; </p>{more_link}</div>'
                f'<div class="wp-block-post-date has-small-font-size"><time datetime="{b.iso}">{b.date("%b %d, %Y")}</time></div>'
                f'</div></li>')

    def block_comments(self, a: Article) -> str:
        items = "".join(f'<li id="comment-{a.id * 10 + n}" class="comment even thread-even depth-1"><div class="wp-block-group is-layout-flow">'
                        f'<div class="wp-block-columns is-layout-flex"><div class="wp-block-column is-layout-flow">'
                        f'<div class="wp-block-comment-author-name has-small-font-size">{t(who)}</div>'
                        f'<div class="wp-block-comment-date has-small-font-size"><time datetime="{a.iso}"><a href="#comment-{a.id * 10 + n}">'
                        f'{a.date("%B %d, %Y at %I:%M %p")}</a></time></div>'
                        f'<div class="wp-block-comment-content"><p>{t(text)}</p></div>'
                        f'<div class="wp-block-comment-reply-link has-small-font-size"><a rel="nofollow" class="comment-reply-link" '
                        f'href="#comment-{a.id * 10 + n}">Reply</a></div></div></div></div></li>'
                        for n, (who, text) in enumerate(a.comments))
        listing = (f'<h2 class="wp-block-comments-title">{len(a.comments)} responses to &#8220;{t(a.title)}&#8221;</h2>'
                   f'<ol class="wp-block-comment-template">{items}</ol>' if a.comments else "")
        return (f'<div class="wp-block-comments wp-block-comments-query-loop">{listing}'
                f'<div id="respond" class="comment-respond wp-block-post-comments-form"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>'
                f'<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>'
                f'<p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> '
                f'<span class="required-field-message">Required fields are marked <span class="required">*</span></span></p>'
                f'<p class="comment-form-comment"><textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p>'
                f'<p class="form-submit wp-block-button"><input name="submit" type="submit" id="submit" class="wp-block-button__link wp-element-button" value="Post Comment"></p>'
                f'</form></div></div>')

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 7)
        body = []
        for i, p in enumerate(a.paragraphs):
            body.append(f"<p>{t(p)}</p>")
            if i == 0:
                r = rel[0]
                body.append(f'<p><em>Related:</em> <a href="{at(site.href(r, 1))}">{t(r.title)}</a></p>')
            if i == len(a.paragraphs) - 2:
                grid = "".join(f'<li><div class="wp-block-latest-posts__featured-image"><a href="{at(site.href(b, 2 + j))}" aria-label="{at(b.title)}">'
                               f'<img width="300" height="200" src="/img/{b.slug}.jpg" alt=""></a></div>'
                               f'<a class="wp-block-latest-posts__post-title" href="{at(site.href(b, 3 + j))}">{t(b.title)}</a>'
                               f'<time datetime="{b.iso}" class="wp-block-latest-posts__post-date">{b.date("%B %d, %Y")}</time></li>'
                               for j, b in enumerate(site.latest(a, 3)))
                body.append(f'<h2 class="wp-block-heading">Keep reading</h2>\n<ul class="wp-block-latest-posts__list is-grid columns-3 has-dates wp-block-latest-posts">{grid}</ul>')
        body.append(f'<div class="wp-block-jetpack-subscriptions__supports-newline wp-block-jetpack-subscriptions"><div class="wp-block-jetpack-subscriptions__container">'
                    f'<form action="#" method="post" accept-charset="utf-8" id="subscribe-blog"><div id="subscribe-text"><p>{t(self.newsletter())}</p></div>'
                    f'<p id="subscribe-email"><input type="email" name="email" placeholder="Type your email…"></p>'
                    f'<p id="subscribe-submit"><button type="submit" class="wp-block-button__link">Subscribe</button></p>'
                    f'<p class="wp-block-jetpack-subscriptions__subscount">Join 4,210 other subscribers.</p></form></div></div>')
        more = "".join(self.post_item(ctx, b, 20 + i, "h3") for i, b in enumerate(rel[3:6] + site.most_read(a)[:1]))
        order = site.newest(site.pool)
        idx = next((i for i, b in enumerate(order) if b.key == a.owner), 0)
        prev_, next_ = order[(idx + 1) % len(order)], order[idx - 1]
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<link rel="shortlink" href="{at(ctx.abs(f"/?p={a.id}"))}">\n'
                f'<link rel="amphtml" href="{at(ctx.abs(self.article_path(a) + "?amp=1"))}">\n'
                f'<meta property="og:type" content="article"><meta property="article:published_time" content="{a.iso}">')
        tags = "".join(f'<a href="/tag/{g}/" rel="tag">{t(g)}</a><span class="wp-block-post-terms__separator">, </span>' for g in a.tags)
        sponsored = '<p class="has-small-font-size sponsored">Sponsored</p>' if a.kind == "sponsored" else ""
        content = f"""<main class="wp-block-group is-layout-flow" style="margin-top:var(--wp--preset--spacing--50)">
<div class="wp-block-group has-global-padding is-layout-constrained">
{sponsored}<h1 class="wp-block-post-title">{t(a.title)}</h1>
<div class="wp-block-template-part"><div class="wp-block-group is-content-justification-left is-layout-flex">
<div class="wp-block-post-date"><time datetime="{a.iso}">{a.date("%B %d, %Y")}</time></div>
<div class="wp-block-post-author-name"><a href="/author/{slugify(a.author)}/" target="_self" class="wp-block-post-author-name__link">{t(a.author)}</a></div>
<div class="taxonomy-category wp-block-post-terms"><span class="wp-block-post-terms__prefix">in </span><a href="/{a.section}/" rel="tag">{t(self.sections[a.section])}</a></div>
</div></div></div>
<figure style="margin-bottom:var(--wp--preset--spacing--40);" class="wp-block-post-featured-image"><img width="1200" height="800" src="/img/{a.slug}.jpg" alt=""></figure>
<div class="entry-content alignfull wp-block-post-content has-global-padding is-layout-constrained">
{chr(10).join(body)}
</div>
<div class="wp-block-group has-global-padding is-layout-constrained"><div class="wp-block-group is-layout-flex">
<div class="taxonomy-post_tag wp-block-post-terms">{tags}</div></div>
<nav class="wp-block-group alignwide is-content-justification-space-between is-layout-flex" aria-label="Post navigation">
<div class="post-navigation-link-previous wp-block-post-navigation-link"><span class="wp-block-post-navigation-link__arrow-previous is-arrow-arrow" aria-hidden="true">&larr;</span><a href="{at(self.article_path(prev_))}" rel="prev">{t(prev_.title)}</a></div>
<div class="post-navigation-link-next wp-block-post-navigation-link"><a href="{at(self.article_path(next_))}" rel="next">{t(next_.title)}</a><span class="wp-block-post-navigation-link__arrow-next is-arrow-arrow" aria-hidden="true">&rarr;</span></div>
</nav>
{self.block_comments(a)}
</div>
<div class="wp-block-query alignwide is-layout-flow"><h2 class="wp-block-heading alignwide">More posts</h2>
<ul class="columns-3 alignwide wp-block-post-template is-layout-grid">{more}</ul></div>
</main>"""
        return self.layout(ctx, a.title, f"post-template-default single single-post postid-{a.id}", content, a, head)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        items = "".join(self.post_item(ctx, b, i, more=True) for i, b in enumerate(arts))
        parts = []
        if page > 1:
            parts.append(f'<a href="{at(self.collection_path(kind, key, page - 1))}" class="wp-block-query-pagination-previous">'
                         f'<span class="wp-block-query-pagination-previous-arrow is-arrow-arrow" aria-hidden="true">&larr;</span>Previous Page</a>')
        nums = "".join(f'<span aria-current="page" class="page-numbers current">{p}</span>' if p == page else
                       f'<a class="page-numbers" href="{at(self.collection_path(kind, key, p))}">{p}</a>' for p in range(1, pages + 1))
        parts.append(f'<div class="wp-block-query-pagination-numbers">{nums}</div>')
        if page < pages:
            parts.append(f'<a href="{at(self.collection_path(kind, key, page + 1))}" class="wp-block-query-pagination-next">Next Page'
                         f'<span class="wp-block-query-pagination-next-arrow is-arrow-arrow" aria-hidden="true">&rarr;</span></a>')
        pagination = (f'<nav class="alignwide wp-block-query-pagination is-content-justification-space-between is-layout-flex" '
                      f'aria-label="Pagination">{"".join(parts)}</nav>' if pages > 1 else "")
        label = {"home": "", "section": "", "tag": "Tag: ", "author": "Author: ", "month": "Month: "}[kind]
        heading = (f'<h1 class="wp-block-query-title">{label}<span>{t(title)}</span></h1>' if kind != "home" else
                   f'<h1 class="wp-block-heading alignwide has-x-large-font-size">Latest from the Chronicle</h1>')
        content = (f'<main class="wp-block-group is-layout-flow"><div class="wp-block-group alignwide has-global-padding is-layout-constrained">'
                   f'{heading}</div><div class="wp-block-query alignwide is-layout-flow">'
                   f'<ul class="alignwide wp-block-post-template is-layout-grid columns-3">{items}</ul>{pagination}</div></main>')
        body_class = "home blog" if kind == "home" else ("page-template" if kind == "section" else f"archive {kind}")
        return self.layout(ctx, title, body_class, content)
