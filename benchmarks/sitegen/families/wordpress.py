"""WordPress with a classic theme: date permalinks with a trailing slash, ``/?p=ID`` shortlinks that
redirect, ``/index.php/`` and ``/amp/`` copies, a latest-posts block ("You may also like") and an
embedded post and an "Editor's pick" box inside ``.entry-content``, a "Most read" ordered widget, an
author box, post navigation, a comment list and its reply form, "Older posts" pagination."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, t
from ..text import slugify, words


class WordPress(Family):
    name = "wordpress"
    site_name = "The Harbour Post"
    sections = {"news": "News", "local": "Local", "sport": "Sport", "culture": "Culture"}
    press_section = "news"
    page_size = 7
    slash_policy = "redirect"
    deleted_status = 404
    feed_path = "/feed/"

    def article_path(self, a: Article) -> str:
        return f"/{a.published:%Y/%m/%d}/{a.slug}/"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"index_php": "/index.php" + self.article_path(a), "amp": self.article_path(a) + "amp/"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        # WordPress's redirect_canonical: the shortlink, and a bare slug it guesses
        return {f"/?p={a.id}": self.article_path(a), f"/{a.slug}/": self.article_path(a)}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        base = {"home": "/", "section": f"/category/{key}/", "tag": f"/tag/{key}/",
                "author": f"/author/{slugify(key)}/", "month": f"/{key.replace('-', '/')}/"}[kind]
        return base + (f"page/{page}/" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return words(a.paragraphs[0], 55)

    def bio(self, author: str) -> str:
        return (f"{author} has covered the harbour district for the Post since 2015 and writes about "
                f"city hall, transport and the people who keep the port running.")

    def newsletter(self) -> str:
        return "Get the Harbour Post morning briefing in your inbox every weekday at 6am."

    def footer_line(self) -> str:
        return "Proudly powered by WordPress | Theme: Newsup by Themeansar. \u00a9 2024 The Harbour Post."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.newsletter(), "Leave a Reply",
                "Your email address will not be published. Required fields are marked",
                "Save my name, email, and website in this browser for the next time I comment.",
                *{self.bio(a) for a in self.authors}]

    def robots(self, host: str) -> str:
        return (f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
                f"Sitemap: http://{host}/sitemap.xml\n")

    # -- pieces ----------------------------------------------------------------------------------
    def layout(self, ctx: Ctx, title: str, body_class: str, content: str, a: Article | None = None,
               head: str = "") -> str:
        site = ctx.site
        menu = "".join(f'<li id="menu-item-{20 + i}" class="menu-item menu-item-type-taxonomy menu-item-object-category">'
                       f'<a href="/category/{s}/">{t(n)}</a></li>' for i, (s, n) in enumerate(self.sections.items()))
        most = "".join(f'<li><a href="{at(site.href(b, 30 + i))}" class="bump-view" data-bump-view="tp">{t(b.title)}</a></li>'
                       for i, b in enumerate(site.most_read(a)))
        recent = "".join(f'<li><a href="{at(site.href(b, 40 + i))}">{t(b.title)}</a>'
                         f'<span class="post-date">{b.date("%B %d, %Y")}</span></li>'
                         for i, b in enumerate(site.latest(a, 5)))
        months = sorted({x.published.strftime("%Y-%m") for x in site.articles}, reverse=True)
        archives = "".join(f'<li><a href="/{m.replace("-", "/")}/">{site.collection_title("month", m)}</a></li>'
                           for m in months)
        return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t(title)} &#8211; {t(self.site_name)}</title>
<meta name="robots" content="max-image-preview:large">
<link rel="alternate" type="application/rss+xml" title="{at(self.site_name)} &raquo; Feed" href="/feed/">
<link rel="stylesheet" id="newsup-style-css" href="/wp-content/themes/newsup/style.css?ver=6.5.2" media="all">
<meta name="generator" content="WordPress 6.5.2">
{head}
</head>
<body class="{body_class}">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">{t(self.site_name)}</a></p>
<p class="site-description">News from the waterfront</p></div>
<nav id="site-navigation" class="main-navigation"><div class="menu-primary-container"><ul id="primary-menu" class="menu">{menu}</ul></div></nav>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area">
<main id="main" class="site-main">
{content}
</main>
</div>
<aside id="secondary" class="widget-area">
<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="/"><label><span class="screen-reader-text">Search for:</span><input type="search" class="search-field" name="s"></label><input type="submit" class="search-submit" value="Search"></form></section>
<section id="top-posts-2" class="widget widget_top-posts"><h2 class="widget-title">Most read</h2><ol>{most}</ol></section>
<section id="recent-posts-3" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></section>
<section id="mc4wp_form_widget-2" class="widget widget_mc4wp_form_widget"><h2 class="widget-title">Newsletter</h2><form id="mc4wp-form-1" class="mc4wp-form" method="post"><div class="mc4wp-form-fields"><p>{t(self.newsletter())}</p><p><input type="email" name="EMAIL" placeholder="Your email address" required></p><p><input type="submit" value="Sign up"></p></div></form></section>
<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>{archives}</ul></section>
</aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">{t(self.footer_line())}</div></footer>
</div>
</body>
</html>
"""

    def entry_meta(self, b: Article) -> str:
        return (f'<div class="entry-meta"><span class="posted-on"><a href="{at(self.article_path(b))}" rel="bookmark">'
                f'<time class="entry-date published" datetime="{b.iso}">{b.date("%B %d, %Y")}</time></a></span>'
                f'<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/{slugify(b.author)}/">'
                f'{t(b.author)}</a></span></span></div>')

    def comments(self, a: Article) -> str:
        items = "".join(f"""<li id="comment-{a.id * 10 + n}" class="comment even thread-even depth-1">
<article id="div-comment-{a.id * 10 + n}" class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><img alt="" src="/img/avatar.jpg" class="avatar avatar-32" height="32" width="32"><b class="fn">{t(who)}</b> <span class="says">says:</span></div>
<div class="comment-metadata"><a href="{at(self.article_path(a))}#comment-{a.id * 10 + n}"><time datetime="{a.iso}">{a.date("%B %d, %Y at %I:%M %p")}</time></a></div></footer>
<div class="comment-content"><p>{t(text)}</p></div>
<div class="reply"><a rel="nofollow" class="comment-reply-link" href="#comment-{a.id * 10 + n}" data-commentid="{a.id * 10 + n}" aria-label="Reply to {at(who)}">Reply</a></div>
</article></li>
""" for n, (who, text) in enumerate(a.comments))
        title = (f'<h2 class="comments-title">{len(a.comments)} thoughts on &ldquo;<span>{t(a.title)}</span>&rdquo;</h2>\n'
                 f'<ol class="comment-list">\n{items}</ol>\n' if a.comments else "")
        return f"""<div id="comments" class="comments-area">
{title}<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Leave a Reply <small><a rel="nofollow" id="cancel-comment-reply-link" href="#respond" style="display:none;">Cancel reply</a></small></h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> <span class="required-field-message">Required fields are marked <span class="required">*</span></span></p>
<p class="comment-form-comment"><label for="comment">Comment <span class="required">*</span></label><textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes"> <label for="wp-comment-cookies-consent">Save my name, email, and website in this browser for the next time I comment.</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"><input type="hidden" name="comment_post_ID" value="{a.id}"></p>
</form></div>
</div>
"""

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 6)
        body = []
        for i, p in enumerate(a.paragraphs):
            body.append(f"<p>{t(p)}</p>")
            if i == 1:       # an embedded post (oEmbed of another post on the same site)
                e = rel[0]
                body.append(f"""<figure class="wp-block-embed is-type-wp-embed is-provider-the-harbour-post wp-block-embed-the-harbour-post"><div class="wp-block-embed__wrapper">
<blockquote class="wp-embedded-content" data-secret="k{e.id}x"><a href="{at(site.href(e, 1))}">{t(e.title)}</a></blockquote><iframe class="wp-embedded-content" sandbox="allow-scripts" security="restricted" title="&#8220;{at(e.title)}&#8221; &#8212; {at(self.site_name)}" src="{at(self.article_path(e))}embed/#?secret=k{e.id}x" data-secret="k{e.id}x" width="500" height="282" frameborder="0" marginwidth="0" marginheight="0" scrolling="no"></iframe>
</div></figure>""")
            if i == 3 and len(a.paragraphs) > 6:   # the theme's "Editor's pick" shortcode box
                e = rel[1]
                body.append(f"""<div class="alignright wp-block-group"><div class="wp-block-group__inner-container">
<h4 class="wp-block-heading">Editor&#8217;s pick</h4>
<a href="{at(site.href(e, 4))}"><img loading="lazy" width="300" height="169" src="/img/{e.slug}.jpg" alt=""></a>
<h5 class="wp-block-heading"><a href="{at(site.href(e, 5))}">{t(e.title)}</a></h5>
<p>{t(self.excerpt(e))} [&hellip;]</p>
</div></div>""")
        latest = "".join(f'<li><a class="wp-block-latest-posts__post-title" href="{at(site.href(b, 8 + i))}">{t(b.title)}</a>'
                         f'<time datetime="{b.iso}" class="wp-block-latest-posts__post-date">{b.date("%B %d, %Y")}</time>'
                         f'<div class="wp-block-latest-posts__post-excerpt">{t(self.excerpt(b))} [&hellip;]</div></li>'
                         for i, b in enumerate(rel[2:5] + site.most_read(a)[:1]))   # the top most-read one again
        prev_next = site.newest(site.pool)
        idx = next((i for i, b in enumerate(prev_next) if b.key == a.owner), 0)
        older = prev_next[(idx + 1) % len(prev_next)]
        newer = prev_next[idx - 1]
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<link rel="shortlink" href="{at(ctx.abs(f"/?p={a.id}"))}">\n'
                f'<link rel="amphtml" href="{at(ctx.abs(self.article_path(a) + "amp/"))}">\n'
                f'<meta property="og:type" content="article">\n<meta property="og:title" content="{at(a.title)}">\n'
                f'<meta property="article:published_time" content="{a.iso}">\n'
                f'<meta name="author" content="{at(a.author)}">')
        sponsored = '<span class="sponsored-label">Sponsored</span> ' if a.kind == "sponsored" else ""
        cats = f'<a href="/category/{a.section}/" rel="category tag">{t(self.sections[a.section])}</a>'
        tags = ", ".join(f'<a href="/tag/{g}/" rel="tag">{t(g)}</a>' for g in a.tags)
        content = f"""<article id="post-{a.id}" class="post-{a.id} post type-post status-publish format-standard has-post-thumbnail hentry category-{a.section}">
<header class="entry-header">
<div class="entry-cats">{sponsored}{cats}</div>
<h1 class="entry-title">{t(a.title)}</h1>
{self.entry_meta(a)}
</header>
<div class="post-thumbnail"><img width="1024" height="576" src="/img/{a.slug}.jpg" class="attachment-post-thumbnail wp-post-image" alt="" decoding="async"></div>
<div class="entry-content">
{chr(10).join(body)}
<h3 class="wp-block-heading">You may also like</h3>
<ul class="wp-block-latest-posts__list has-dates wp-block-latest-posts">{latest}</ul>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul>
<li class="share-twitter"><a rel="nofollow noopener noreferrer" class="share-twitter sd-button" href="https://twitter.com/intent/tweet?url={at(ctx.abs(f"/?p={a.id}"))}" target="_blank"><span>Twitter</span></a></li>
<li class="share-link"><a class="sd-button" href="/?p={a.id}"><span>Copy short link</span></a></li></ul></div></div></div>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in {cats}</span> <span class="tags-links">Tagged {tags}</span></footer>
<div class="author-info"><div class="author-avatar"><img alt="" src="/img/avatar.jpg" height="42" width="42"></div>
<div class="author-description"><h2 class="author-title"><span class="author-heading">Author:</span> {t(a.author)}</h2>
<p class="author-bio">{t(self.bio(a.author))} <a class="author-link" href="/author/{slugify(a.author)}/" rel="author">View all posts by {t(a.author)}</a></p></div></div>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links">
<div class="nav-previous"><a href="{at(self.article_path(older))}" rel="prev"><span class="meta-nav">Previous Post</span> <span class="post-title">{t(older.title)}</span></a></div>
<div class="nav-next"><a href="{at(self.article_path(newer))}" rel="next"><span class="meta-nav">Next Post</span> <span class="post-title">{t(newer.title)}</span></a></div>
</div></nav>
{self.comments(a)}"""
        return self.layout(ctx, a.title, f"post-template-default single single-post postid-{a.id} single-format-standard",
                           content, a, head)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        site = ctx.site
        items = "".join(f"""<article id="post-{b.id}" class="post-{b.id} post type-post status-publish format-standard has-post-thumbnail hentry category-{b.section}">
<div class="post-thumbnail"><a href="{at(site.href(b, i))}" aria-hidden="true" tabindex="-1"><img width="300" height="169" src="/img/{b.slug}.jpg" alt="{at(b.title)}"></a></div>
<header class="entry-header"><h2 class="entry-title"><a href="{at(site.href(b, i + 1))}" rel="bookmark">{t(b.title)}</a></h2>
{self.entry_meta(b)}</header>
<div class="entry-summary"><p>{t(self.excerpt(b))} [&hellip;]</p></div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/{b.section}/" rel="category tag">{t(self.sections[b.section])}</a></span>
<a class="more-link" href="{at(self.article_path(b))}">Continue reading<span class="screen-reader-text"> &#8220;{t(b.title)}&#8221;</span></a></footer>
</article>
""" for i, b in enumerate(arts))
        nav = []
        if page < pages:
            nav.append(f'<div class="nav-previous"><a href="{self.collection_path(kind, key, page + 1)}">Older posts</a></div>')
        if page > 1:
            nav.append(f'<div class="nav-next"><a href="{self.collection_path(kind, key, page - 1)}">Newer posts</a></div>')
        nav_html = (f'<nav class="navigation posts-navigation" aria-label="Posts"><h2 class="screen-reader-text">Posts navigation</h2>'
                    f'<div class="nav-links">{"".join(nav)}</div></nav>' if nav else "")
        label = {"home": "", "section": "Category: ", "tag": "Tag: ", "author": "Author: ", "month": "Month: "}[kind]
        header = (f'<header class="page-header"><h1 class="page-title">{label}<span>{t(title)}</span></h1></header>\n'
                  if kind != "home" else "")
        body_class = "home blog" if kind == "home" else f"archive {kind}"
        return self.layout(ctx, title if kind != "home" else self.site_name, body_class, header + items + nav_html)
