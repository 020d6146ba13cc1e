"""A Blogger (blogspot) blog with a classic layout widget set: ``/YYYY/MM/slug.html`` posts, a
``?m=1`` mobile copy of every page (another, plainer template without the sidebar), ``?showComment=``
copies, ``/b/post?id=`` short links that redirect; at the end of the post body a "Related Posts:"
list (title link, line break, summary) and a "You might also like" grid of image-and-title links, a "Popular Posts" sidebar widget (thumbnail, title link and
snippet), the Blog Archive tree with post counts, a label cloud, threaded comments with Reply and
Delete links, "Newer Post / Older Post / Home" pager, "Subscribe to: Post Comments (Atom)". Its
listing pages (home, ``/search/label/X``, ``/YYYY/MM/``) show each post's opening paragraph in full,
unlinked, before a "Read more" jump link, so most of a listing's text is NOT inside links; older
pages go through ``/search?updated-max=...&max-results=N``."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, jsonld, t
from ..text import slugify


class Blogger(Family):
    name = "blogger"
    site_name = "Harbour Town Chronicle"
    sections = {"local": "Local", "politics": "Politics", "nature": "Nature", "notices": "Notices"}
    press_section = "notices"
    page_size = 5
    slash_policy = "redirect"
    deleted_status = 404
    feed_path = "/feeds/posts/default"
    authors = ["Eilidh MacRae", "Tobias Lund", "Amara Osei"]

    def article_path(self, a: Article) -> str:
        return f"/{a.published:%Y/%m}/{a.slug[:40].rstrip('-')}.html"

    def article_aliases(self, a: Article) -> dict[str, str]:
        aliases = {"mobile": self.article_path(a) + "?m=1"}
        if a.comments:
            aliases["comment"] = self.article_path(a) + f"?showComment={a.id * 1000 + 17}"
        return aliases

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/b/post?id={a.id * 7919}": self.article_path(a)}

    def collection_path(self, kind: str, key: str, page: int) -> str:
        base = {"home": "/", "section": f"/search/label/{self.sections.get(key, key)}",
                "tag": f"/search/label/{key}", "author": f"/search?by={slugify(key)}",
                "month": f"/{key.replace('-', '/')}/"}[kind]
        if page == 1:
            return base
        if kind == "home":
            base = "/search"
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}updated-max=p{page}&max-results={self.page_size}"

    def excerpt(self, a: Article) -> str:
        return a.paragraphs[0]            # what a listing shows before the jump break

    def popular_snippet(self, a: Article) -> str:
        return a.dek

    def footer_line(self) -> str:
        return "Harbour Town Chronicle \u00b7 Simple theme. Powered by Blogger."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), "Subscribe to: Post Comments (Atom)", "Note: Only a member of this blog may post a comment."]

    # -- pieces ----------------------------------------------------------------------------------
    def sidebar(self, ctx: Ctx, a: Article | None) -> str:
        site = ctx.site
        popular = "".join(f"""<li><div class="item-thumbnail"><a href="{at(site.href(b, 40 + n))}" target="_blank"><img alt="" border="0" src="/img/{b.slug}.jpg"></a></div>
<div class="item-title"><a href="{at(site.href(b, 40 + n))}">{t(b.title)}</a></div>
<div class="item-snippet">{t(self.popular_snippet(b))}</div><div style="clear: both;"></div></li>
""" for n, b in enumerate(site.most_read(a, 4)))
        months: dict[str, list[Article]] = {}
        for b in site.newest():
            months.setdefault(b.published.strftime("%Y-%m"), []).append(b)
        newest_month = next(iter(months))
        tree = []
        for key, arts in months.items():
            label = arts[0].published.strftime("%B")
            posts = ("<ul class='posts'>" + "".join(f"<li><a href='{at(self.article_path(b))}'>{t(b.title)}</a></li>" for b in arts)
                     + "</ul>") if key == newest_month else ""
            tree.append(f"<li class='archivedate {'expanded' if posts else 'collapsed'}'><a class='toggle' href='javascript:void(0)'>"
                        f"<span class='zippy'>{'&#9660;' if posts else '&#9658;'}&nbsp;</span></a>"
                        f"<a class='post-count-link' href='{self.collection_path('month', key, 1)}'>{label}</a> "
                        f"<span class='post-count' dir='ltr'>({len(arts)})</span>{posts}</li>")
        labels = "".join(f"<li><a dir='ltr' href='{at(self.collection_path('tag', g, 1))}'>{t(g)}</a><span dir='ltr'>({(len(g) * 3) % 9 + 1})</span></li>"
                         for g in self.tags)
        return f"""<div class="sidebar section" id="sidebar-right-1">
<div class="widget Profile" id="Profile1"><h2>About Me</h2><div class="widget-content"><a href="https://www.blogger.com/profile/0"><img src="/img/me.jpg" alt="My photo"></a>
<dl class="profile-datablock"><dt class="profile-data"><a class="profile-name-link g-profile" href="https://www.blogger.com/profile/0">Harbour Town volunteers</a></dt>
<dd class="profile-textblock">Neighbourhood news written by residents since 2009.</dd></dl><a class="profile-link" href="https://www.blogger.com/profile/0" rel="author">View my complete profile</a></div></div>
<div class="widget PopularPosts" id="PopularPosts1"><h2>Popular Posts</h2><div class="widget-content popular-posts"><ul>
{popular}</ul></div></div>
<div class="widget BlogArchive" id="BlogArchive1"><h2>Blog Archive</h2><div class="widget-content"><div id="ArchiveList"><div id="BlogArchive1_ArchiveList">
<ul class="hierarchy"><li class="archivedate expanded"><span class="post-count-link">2024</span> <span class="post-count" dir="ltr">({len(site.articles)})</span>
<ul class="hierarchy">{"".join(tree)}</ul></li></ul></div></div></div></div>
<div class="widget Label" id="Label1"><h2>Labels</h2><div class="widget-content list-label-widget-content"><ul>{labels}</ul></div></div>
</div>"""

    def layout(self, ctx: Ctx, title: str, main: str, head: str = "", a: Article | None = None) -> str:
        mobile = "m=1" in ctx.path
        side = "" if mobile else self.sidebar(ctx, a)
        return f"""<!DOCTYPE html>
<html class="v2" dir="ltr" xmlns="http://www.w3.org/1999/xhtml" xmlns:b="http://www.google.com/2005/gml/b">
<head><meta content="width=1100" name="viewport"><meta content="text/html; charset=UTF-8" http-equiv="Content-Type">
<meta content="blogger" name="generator"><link href="/favicon.ico" rel="icon" type="image/x-icon">
<link rel="alternate" type="application/atom+xml" title="{at(self.site_name)} - Atom" href="/feeds/posts/default">
<title>{t(title)}</title>
{head}
</head>
<body class="{'mobile' if mobile else 'loading'} variant-simplysimple">
<div class="content"><div class="content-outer"><div class="region-inner header-inner"><div class="header section" id="header">
<div class="widget Header" id="Header1"><div id="header-inner"><div class="titlewrapper"><h1 class="title"><a href="/">{t(self.site_name)}</a></h1></div>
<div class="descriptionwrapper"><p class="description"><span>Notes from the quay, the council and the hills.</span></p></div></div></div></div></div>
<div class="tabs-outer"><div class="tabs section" id="crosscol"><div class="widget PageList" id="PageList1"><ul>
<li class="selected"><a href="/">Home</a></li>{"".join(f'<li><a href="{at(self.collection_path("section", s, 1))}">{t(n)}</a></li>' for s, n in self.sections.items())}</ul></div></div></div>
<div class="main-outer"><div class="columns fauxcolumns"><div class="columns-inner">
<div class="column-center-outer"><div class="column-center-inner"><div class="main section" id="main"><div class="widget Blog" id="Blog1">
{main}
</div></div></div></div>
<div class="column-right-outer"><div class="column-right-inner"><aside>{side}</aside></div></div>
</div></div></div>
<footer><div class="footer-outer"><div class="widget Attribution" id="Attribution1"><div class="widget-content" style="text-align: center;">{t(self.footer_line())}</div></div></div></footer>
</div></div></body></html>
"""

    def comments(self, a: Article) -> str:
        def one(n, who, text, replies=""):
            return f"""<li class="comment" id="c{a.id * 1000 + n}"><div class="avatar-image-container"><img src="/img/avatar.png" alt=""></div>
<div class="comment-block"><div class="comment-header"><cite class="user"><a href="https://www.blogger.com/profile/{n + 7}" rel="nofollow">{t(who)}</a></cite>
<span class="icon user"></span><span class="datetime secondary-text"><a rel="nofollow" href="{at(self.article_path(a))}#c{a.id * 1000 + n}">{a.date("%B %-d, %Y at %-I:%M %p")}</a></span></div>
<p class="comment-content">{t(text)}</p>
<span class="comment-actions secondary-text"><a class="comment-reply" target="_self" data-comment-id="{a.id * 1000 + n}">Reply</a><span class="item-control blog-admin"><a target="_self" href="https://www.blogger.com/delete-comment.g?blogID=1&amp;postID={a.id}">Delete</a></span></span></div>
<div class="comment-replies">{replies}</div><div class="comment-replybox-single" id="c{a.id * 1000 + n}-ce"></div></li>
"""
        cs = a.comments
        items = []
        for n, (who, text) in enumerate(cs):
            if n == 0 and len(cs) > 1:   # the second comment is a reply to the first
                items.append(one(0, who, text, '<div class="comment-thread inline-thread"><ol>' + one(1, *cs[1]) + "</ol></div>"))
            elif n == 1:
                continue
            else:
                items.append(one(n, who, text))
        return f"""<div class="comments threaded" id="comments"><a name="comments"></a><h4>{len(cs)} comments:</h4>
<div class="comments-content"><div class="comment-thread toplevel-thread"><ol id="top-ra">{"".join(items)}</ol></div></div>
<p class="comment-footer"><a href="https://www.blogger.com/comment/fullpage/post/1/{a.id}" onclick="">Post a Comment</a></p>
<p class="comment-note">Note: Only a member of this blog may post a comment.</p></div>
"""

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 4)
        paras = "<br><br>\n".join(t(p) for p in a.paragraphs)   # Blogger's compose mode: <br> between paragraphs
        grid = "".join(f"""<a href="{at(site.href(b, 20 + n))}" class="lw-item" style="float:left;width:120px"><img src="/img/{b.slug}.jpg" width="100" height="100" alt="">
<div class="lw-caption">{t(b.title)}</div></a>""" for n, b in enumerate(rel))
        # a related-posts script's list, typed into the post template: title link and summary per item
        related = "".join(f'<li><a href="{at(site.href(b, 30 + n))}" rel="bookmark">{t(b.title)}</a><br>'
                          f'<span class="pe-sum">{t(self.popular_snippet(b))}</span></li>'
                          for n, b in enumerate(site.related(a, ctx.form + "-list", 3)))
        pn = site.newest(site.pool)
        idx = next((i for i, b in enumerate(pn) if b.key == a.owner), 0)
        older, newer = pn[(idx + 1) % len(pn)], pn[idx - 1]
        labels = ", ".join(f"<a href='{at(self.collection_path('tag', g, 1))}' rel='tag'>{t(g)}</a>" for g in a.tags)
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<meta content="{at(canonical)}" property="og:url">\n'
                f'<meta content="{at(a.title)}" property="og:title">\n'
                + jsonld(ctx, a).replace('"NewsArticle"', '"BlogPosting"'))
        main = f"""<div class="blog-posts hfeed"><div class="date-outer"><h2 class="date-header"><span>{a.date("%A, %B %-d, %Y")}</span></h2>
<div class="date-posts"><div class="post-outer"><div class="post hentry uncustomized-post-template" itemprop="blogPost" itemscope="itemscope" itemtype="http://schema.org/BlogPosting">
<a name="{a.id}"></a><h3 class="post-title entry-title" itemprop="name">{t(a.title)}</h3>
<div class="post-header"><div class="post-header-line-1"></div></div>
<div class="post-body entry-content" id="post-body-{a.id}" itemprop="description articleBody">
{paras}
<div class="post-extra"><h4>Related Posts:</h4><ul>{related}</ul></div>
<div class="lw-hook"><div class="lw-text">You might also like:</div>{grid}<div style="clear:both"></div></div>
</div>
<div class="post-footer"><div class="post-footer-line post-footer-line-1"><span class="post-author vcard">Posted by <span class="fn" itemprop="author"><a class="g-profile" href="https://www.blogger.com/profile/{slugify(a.author)}" rel="author">{t(a.author)}</a></span></span>
<span class="post-timestamp">at <a class="timestamp-link" href="{at(self.article_path(a))}" rel="bookmark" title="permanent link"><abbr class="published" title="{a.iso}">{a.date("%-I:%M %p")}</abbr></a></span>
<span class="post-comment-link"></span><div class="post-share-buttons goog-inline-block"><a class="goog-inline-block share-button sb-email" href="https://www.blogger.com/share-post.g?blogID=1&amp;postID={a.id}&amp;target=email" target="_blank"><span class="share-button-link-text">Email This</span></a><a class="goog-inline-block share-button sb-blog" href="https://www.blogger.com/share-post.g?blogID=1&amp;postID={a.id}&amp;target=blog" target="_blank"><span class="share-button-link-text">BlogThis!</span></a></div></div>
<div class="post-footer-line post-footer-line-2"><span class="post-labels">Labels: {labels}</span></div></div></div>
{self.comments(a) if a.comments else ""}</div></div></div></div>
<div class="blog-pager" id="blog-pager"><span id="blog-pager-newer-link"><a class="blog-pager-newer-link" href="{at(self.article_path(newer))}" title="Newer Post">Newer Post</a></span>
<span id="blog-pager-older-link"><a class="blog-pager-older-link" href="{at(self.article_path(older))}" title="Older Post">Older Post</a></span>
<a class="home-link" href="/">Home</a></div><div class="clear"></div>
<div class="post-feeds"><div class="feed-links">Subscribe to: <a class="feed-link" href="https://www.blogger.com/feeds/1/{a.id}/comments/default" target="_blank" type="application/atom+xml">Post Comments (Atom)</a></div></div>"""
        return self.layout(ctx, f"{self.site_name}: {a.title}", main, head, a)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        posts = []
        for n, b in enumerate(arts):
            href = at(ctx.site.href(b, n))
            posts.append(f"""<div class="date-outer"><h2 class="date-header"><span>{b.date("%A, %B %-d, %Y")}</span></h2>
<div class="date-posts"><div class="post-outer"><div class="post hentry"><h3 class="post-title entry-title"><a href="{href}">{t(b.title)}</a></h3>
<div class="post-body entry-content">{t(self.excerpt(b))}
<div class="jump-link"><a href="{href}#more" title="{at(b.title)}">Read more &#187;</a></div></div>
<div class="post-footer"><span class="post-author vcard">Posted by <span class="fn">{t(b.author)}</span></span> <span class="post-timestamp">at <a class="timestamp-link" href="{href}">{b.date("%-I:%M %p")}</a></span>
<span class="post-comment-link"><a class="comment-link" href="{href}#comment-form">{len(b.comments)} comments</a></span></div></div></div></div></div>
""")
        status = ("" if kind == "home" else
                  f'<div class="status-msg-wrap"><div class="status-msg-body">Showing posts with label <b>{t(title)}</b>. '
                  f'<a href="/">Show all posts</a></div></div>')
        older = (f'<span id="blog-pager-older-link"><a class="blog-pager-older-link" href="{self.collection_path(kind, key, page + 1)}" '
                 f'title="Older Posts">Older Posts</a></span>' if page < pages else "")
        newer = (f'<span id="blog-pager-newer-link"><a class="blog-pager-newer-link" href="{self.collection_path(kind, key, page - 1)}" '
                 f'title="Newer Posts">Newer Posts</a></span>' if page > 1 else "")
        main = (f'{status}<div class="blog-posts hfeed">{"".join(posts)}</div>'
                f'<div class="blog-pager" id="blog-pager">{newer}{older}<a class="home-link" href="/">Home</a></div>')
        head = '<meta content="blog" property="og:type">'
        return self.layout(ctx, f"{self.site_name}: {title}" if kind != "home" else self.site_name, main, head)
