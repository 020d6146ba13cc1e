"""A static site built by Hugo with a PaperMod-like theme: ``/posts/slug/`` pages served by a
static host (``index.html`` copies, the other slash form redirected), old ``/YYYY/MM/slug.html``
permalinks redirected, list pages whose post entries are covered by an EMPTY overlay link (the
title sits outside any link), a table of contents of in-page anchors, a ``related`` shortcode box
and a "Related:" line inside ``.post-content``, "See also" (Hugo's related content) and a strip
of overlay-link entries after the post, prev/next post navigation, Staticman comments (dated
entries, no reply control), a Buttondown newsletter form, ``/page/N/`` pagination."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, jsonld, t
from ..text import slugify, words


class Hugo(Family):
    name = "hugo"
    site_name = "Fjord Notes"
    sections = {"city": "City", "climate": "Climate", "work": "Work", "ideas": "Ideas"}
    press_section = "work"
    page_size = 8
    slash_policy = "redirect"
    deleted_status = 404
    feed_path = "/index.xml"
    authors = ["Ingrid Sato", "Pablo Reyes", "Nora Okafor", "Jan Kowalski"]

    def article_path(self, a: Article) -> str:
        return f"/posts/{a.slug}/"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"index_html": f"/posts/{a.slug}/index.html"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/{a.published:%Y/%m}/{a.slug}.html": self.article_path(a)}   # front matter `aliases`

    def collection_path(self, kind: str, key: str, page: int) -> str:
        base = {"home": "/", "section": f"/categories/{key}/", "tag": f"/tags/{key}/",
                "author": f"/authors/{slugify(key)}/", "month": f"/archives/{key.replace('-', '/')}/"}[kind]
        return base + (f"page/{page}/" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return words(" ".join(a.paragraphs), 70)   # Hugo's .Summary: the first 70 words

    def newsletter(self) -> str:
        return "One letter a month about the fjord towns, nothing else. Unsubscribe whenever you like."

    def footer_line(self) -> str:
        return "\u00a9 2024 Fjord Notes \u00b7 Powered by Hugo & PaperMod"

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.newsletter(), "Comments are moderated and appear after review."]

    # -- pieces ----------------------------------------------------------------------------------
    def layout(self, ctx: Ctx, title: str, main: str, head: str = "", body_class: str = "list") -> str:
        menu = "".join(f'<li><a href="/categories/{s}/" title="{at(n)}"><span>{t(n)}</span></a></li>'
                       for s, n in self.sections.items())
        return f"""<!DOCTYPE html>
<html lang="en" dir="auto">
<head><meta charset="utf-8"><meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
<title>{t(title)} | {t(self.site_name)}</title>
<meta name="generator" content="Hugo 0.125.4">
<link crossorigin="anonymous" href="/assets/css/stylesheet.b609c58d.css" rel="preload stylesheet" as="style">
<link rel="alternate" type="application/rss+xml" href="/index.xml">
{head}
</head>
<body class="{body_class}" id="top">
<header class="header"><nav class="nav"><div class="logo"><a href="/" accesskey="h" title="{at(self.site_name)} (Alt + H)">{t(self.site_name)}</a></div>
<ul id="menu">{menu}<li><a href="/archives/" title="Archive"><span>Archive</span></a></li><li><a href="/search/" title="Search (Alt + /)" accesskey="/"><span>Search</span></a></li></ul></nav></header>
<main class="main">
{main}
</main>
<footer class="footer"><span>{t(self.footer_line())}</span>
<span> \u00b7 <a href="/index.xml">RSS</a> \u00b7 <a href="/about/">About</a></span></footer>
<a href="#top" aria-label="go to top" title="Go to Top (Alt + G)" class="top-link" id="top-link" accesskey="g">&uarr;</a>
</body>
</html>
"""

    def entry(self, ctx: Ctx, b: Article, k: int, summary: bool = True) -> str:
        """A PaperMod post entry: the whole card is covered by an empty link."""
        desc = f'<div class="entry-content"><p>{t(self.excerpt(b))}...</p></div>\n' if summary else ""
        return f"""<article class="post-entry">
<figure class="entry-cover"><img loading="lazy" src="/img/{b.slug}.jpg" alt=""></figure>
<header class="entry-header"><h2 class="entry-hint-parent">{t(b.title)}</h2></header>
{desc}<footer class="entry-footer"><span title="{b.iso}">{b.date("%B %-d, %Y")}</span>&nbsp;\u00b7&nbsp;{max(2, len(b.paragraphs) // 2)} min&nbsp;\u00b7&nbsp;{t(b.author)}</footer>
<a class="entry-link" aria-label="post link to {at(b.title)}" href="{at(ctx.site.href(b, k))}"></a>
</article>
"""

    def comments(self, a: Article) -> str:
        items = "".join(f"""<div class="sm-entry" id="c{a.id}{n}">
<p class="sm-meta"><b>{t(who)}</b> &middot; <time datetime="{a.published:%Y-%m-%d}">{a.date("%b %-d, %Y")}</time></p>
<p>{t(text)}</p>
</div>
""" for n, (who, text) in enumerate(a.comments))
        return f"""<section class="sm-thread" id="staticman">
<h3>{len(a.comments)} responses</h3>
{items}<form class="sm-form" method="post" action="https://api.staticman.net/v3/entry/github/fjord/notes/main/comments">
<p>{t("Comments are moderated and appear after review.")}</p>
<input name="fields[name]" type="text" placeholder="Name"><textarea name="fields[message]" placeholder="Your response"></textarea>
<button type="submit">Send</button></form>
</section>
"""

    # -- pages -----------------------------------------------------------------------------------
    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        rel = site.related(a, ctx.form, 6)
        toc = "".join(f'<li><a href="#part-{i}" aria-label="Part {i}">Part {i}</a></li>'
                      for i in range(1, 1 + max(2, len(a.paragraphs) // 3)))
        body = []
        for i, p in enumerate(a.paragraphs):
            if i % 3 == 0 and i:
                body.append(f'<h2 id="part-{i // 3 + 1}">Part {i // 3 + 1}<a hidden class="anchor" aria-hidden="true" href="#part-{i // 3 + 1}">#</a></h2>')
            body.append(f"<p>{t(p)}</p>")
            if i == 1:     # the theme's `related` shortcode, typed into the post
                b = rel[0]
                body.append(f'<aside class="related-box"><p class="related-title">From the archive</p>'
                            f'<p><a href="{at(site.href(b, 1))}">{t(b.title)}</a></p><p>{t(b.dek)}</p></aside>')
            if i == 3:
                b = rel[1]
                body.append(f'<p><strong>Related:</strong> <a href="{at(site.href(b, 3))}">{t(b.title)}</a></p>')
        see_also = "".join(f'<li><a href="{at(site.href(b, 20 + j))}">{t(b.title)}</a></li>'
                           for j, b in enumerate(rel[2:4] + site.most_read(a)[:1]))
        strip = "".join(self.entry(ctx, b, 30 + j, summary=False) for j, b in enumerate(rel[4:6] + site.latest(a, 1)))
        pn = site.newest(site.pool)
        idx = next((i for i, b in enumerate(pn) if b.key == a.owner), 0)
        older, newer = pn[(idx + 1) % len(pn)], pn[idx - 1]
        tags = "".join(f'<li><a href="/tags/{g}/">{t(g)}</a></li>' for g in a.tags)
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link rel="canonical" href="{at(canonical)}">\n<meta property="og:title" content="{at(a.title)}">\n'
                f'<meta property="og:type" content="article"><meta property="article:published_time" content="{a.iso}">\n'
                + jsonld(ctx, a).replace('"NewsArticle"', '"BlogPosting"'))
        main = f"""<article class="post-single">
<header class="post-header">
<div class="breadcrumbs"><a href="/">Home</a>&nbsp;\u00bb&nbsp;<a href="/categories/{a.section}/">{t(self.sections[a.section])}</a></div>
<h1 class="post-title entry-hint-parent">{t(a.title)}</h1>
<div class="post-description">{t(a.dek)}</div>
<div class="post-meta"><span title="{a.iso}">{a.date("%B %-d, %Y")}</span>&nbsp;\u00b7&nbsp;{max(2, len(a.paragraphs) // 2)} min&nbsp;\u00b7&nbsp;<a href="/authors/{slugify(a.author)}/">{t(a.author)}</a></div>
</header>
<div class="toc"><details open><summary accesskey="c" title="(Alt + C)"><span class="details">Table of Contents</span></summary>
<div class="inner"><ul>{toc}</ul></div></details></div>
<div class="post-content">
{chr(10).join(body)}
<div class="newsletter"><form action="https://buttondown.email/api/emails/embed-subscribe/fjordnotes" method="post">
<label for="bd-email">{t(self.newsletter())}</label><input type="email" name="email" id="bd-email" placeholder="you@example.com"><input type="submit" value="Subscribe"></form></div>
</div>
<footer class="post-footer">
<ul class="post-tags">{tags}</ul>
<h3>See also</h3><ul class="see-also">{see_also}</ul>
<nav class="paginav"><a class="prev" href="{at(self.article_path(newer))}"><span class="title">\u00ab Prev</span><br><span>{t(newer.title)}</span></a>
<a class="next" href="{at(self.article_path(older))}"><span class="title">Next \u00bb</span><br><span>{t(older.title)}</span></a></nav>
<div class="share-buttons"><a target="_blank" rel="noopener noreferrer" aria-label="share on x" href="https://x.com/intent/tweet/?url={at(canonical)}">x</a>
<a target="_blank" rel="noopener noreferrer" aria-label="share on linkedin" href="https://www.linkedin.com/shareArticle?url={at(canonical)}">in</a></div>
</footer>
{self.comments(a)}
</article>
<section class="more-posts"><h2>Keep reading</h2>
{strip}</section>"""
        return self.layout(ctx, a.title, main, head, body_class="single")

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        entries = "".join(self.entry(ctx, b, i) for i, b in enumerate(arts))
        nav = []
        if page > 1:
            nav.append(f'<a class="prev" href="{self.collection_path(kind, key, page - 1)}">\u00ab&nbsp;Prev&nbsp;</a>')
        if page < pages:
            nav.append(f'<a class="next" href="{self.collection_path(kind, key, page + 1)}">Next&nbsp;&nbsp;\u00bb</a>')
        header = ("" if kind == "home" else
                  f'<header class="page-header"><div class="breadcrumbs"><a href="/">Home</a></div><h1>{t(title)}</h1></header>\n')
        intro = (f'<article class="first-entry home-info"><header class="entry-header"><h1>{t(self.site_name)}</h1></header>'
                 f'<div class="entry-content">Slow news from the fjord towns: city hall, climate, work and ideas.</div></article>\n'
                 if kind == "home" and page == 1 else "")
        main = f'{header}{intro}{entries}<footer class="page-footer"><nav class="pagination">{"".join(nav)}</nav></footer>'
        head = (f'<link rel="next" href="{self.collection_path(kind, key, page + 1)}">' if page < pages else "")
        return self.layout(ctx, title, main, head)
