"""Joomla 4 with the Cassiopeia template, in German: ``/kategorie/ID-alias`` SEF URLs with
``/index.php/`` and non-SEF ``index.php?option=com_content&view=article&id=`` copies, print views
(``?tmpl=component&print=1``), a newsflash module loaded into the article body, "Meistgelesen" and
"Ähnliche Beiträge" modules (links only), JComments, category blogs with ``?start=`` pagination,
com_tags pages and a com_content archive."""
from __future__ import annotations

from ..model import Article, Ctx, Family, at, t
from ..text import slugify

MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
          "November", "Dezember"]


def datum(a: Article) -> str:
    return f"{a.published.day:02d}. {MONTHS[a.published.month - 1]} {a.published.year}"


class Joomla(Family):
    name = "joomla"
    lang = "de"
    site_name = "Rheintal-Kurier"
    sections = {"nachrichten": "Nachrichten", "region": "Region", "wirtschaft": "Wirtschaft", "kultur": "Kultur"}
    press_section = "wirtschaft"
    page_size = 8
    slash_policy = "serve"
    deleted_status = 404
    feed_path = "/?format=feed&type=rss"
    authors = ["Maria Lindner", "Thomas Berger", "Sophie Roth", "Lukas Brandt", "Clara Vogel"]
    tags = ["verkehr", "wohnen", "energie", "gesundheit", "justiz", "haushalt", "umwelt", "bildung"]

    def catid(self, a: Article) -> int:
        return 8 + list(self.sections).index(a.section)

    def article_path(self, a: Article) -> str:
        return f"/{a.section}/{a.id}-{a.slug}"

    def article_aliases(self, a: Article) -> dict[str, str]:
        return {"index_php": f"/index.php/{a.section}/{a.id}-{a.slug}",
                "query_id": f"/index.php?option=com_content&view=article&id={a.id}&catid={self.catid(a)}",
                "print": f"/{a.section}/{a.id}-{a.slug}?tmpl=component&print=1"}

    def article_redirects(self, a: Article) -> dict[str, str]:
        return {f"/component/content/article/{a.id}-{a.slug}": self.article_path(a)}    # com_redirect

    def collection_path(self, kind: str, key: str, page: int) -> str:
        start = (page - 1) * self.page_size
        if kind == "month":
            y, m = key.split("-")
            return f"/archiv?month={int(m)}&year={y}" + (f"&start={start}" if page > 1 else "")
        base = {"home": "/", "section": f"/{key}", "tag": f"/component/tags/tag/{key}",
                "author": f"/autoren/{slugify(key)}"}[kind]
        return base + (f"?start={start}" if page > 1 else "")

    def excerpt(self, a: Article) -> str:
        return a.paragraphs[0]           # the intro text: the part above "Weiterlesen"

    def newsletter(self) -> str:
        return "Der Kurier am Morgen: die wichtigsten Nachrichten aus dem Rheintal jeden Werktag um sechs Uhr."

    def footer_line(self) -> str:
        return "Copyright \u00a9 2024 Rheintal-Kurier. Alle Rechte vorbehalten."

    def boilerplate(self) -> list[str]:
        return [self.footer_line(), self.newsletter(), "Kommentar schreiben", "Aktuelle Seite:",
                "Diese E-Mail-Adresse ist vor Spambots geschützt"]

    def robots(self, host: str) -> str:
        return ("User-agent: *\nDisallow: /administrator/\nDisallow: /cache/\nDisallow: /components/\n"
                f"Disallow: /includes/\nDisallow: /tmp/\n\nSitemap: http://{host}/sitemap.xml\n")

    # -- pieces ----------------------------------------------------------------------------------
    def module(self, title: str, inner: str) -> str:
        return (f'<div class="sidebar-right card "><h3 class="card-header ">{t(title)}</h3>'
                f'<div class="card-body">{inner}</div></div>\n')

    def link_list(self, ctx: Ctx, cls: str, arts: list[Article], k: int) -> str:
        items = "".join(f'<li itemscope itemtype="https://schema.org/Article"><a href="{at(ctx.site.href(b, k + i))}" '
                        f'itemprop="url"><span itemprop="name">{t(b.title)}</span></a></li>' for i, b in enumerate(arts))
        return f'<ul class="{cls} mod-list">{items}</ul>'

    def info(self, a: Article, link: bool = True) -> str:
        cat = (f'<a href="/{a.section}" itemprop="genre">{t(self.sections[a.section])}</a>' if link
               else t(self.sections[a.section]))
        return (f'<dl class="article-info text-muted"><dt class="article-info-term">Details</dt>'
                f'<dd class="createdby" itemprop="author" itemscope itemtype="https://schema.org/Person">'
                f'<span class="icon-user icon-fw" aria-hidden="true"></span>Geschrieben von: <span itemprop="name">{t(a.author)}</span></dd>'
                f'<dd class="category-name"><span class="icon-folder-open icon-fw" aria-hidden="true"></span>Kategorie: {cat}</dd>'
                f'<dd class="published"><span class="icon-calendar icon-fw" aria-hidden="true"></span>'
                f'<time datetime="{a.iso}" itemprop="datePublished">Veröffentlicht: {datum(a)}</time></dd>'
                f'<dd class="hits"><span class="icon-eye icon-fw" aria-hidden="true"></span>Zugriffe: {a.id % 977 + 40}</dd></dl>')

    def layout(self, ctx: Ctx, title: str, view: str, main: str, a: Article | None = None, head: str = "") -> str:
        site = ctx.site
        menu = "".join(f'<li class="nav-item item-{102 + i}"><a href="/{s}">{t(n)}</a></li>'
                       for i, (s, n) in enumerate(self.sections.items()))
        side = self.module("Meistgelesen", self.link_list(ctx, "mostread", site.most_read(a), 60))
        if a is not None:
            side += self.module("Ähnliche Beiträge", self.link_list(ctx, "relateditems", site.related(a, ctx.form, 6)[3:6], 70))
        side += self.module("Newsletter", f'<p>{t(self.newsletter())}</p><form action="/newsletter" method="post">'
                                          f'<input type="email" name="email" placeholder="E-Mail-Adresse">'
                                          f'<button class="btn btn-primary" type="submit">Abonnieren</button></form>')
        crumbs = (f'<nav class="mod-breadcrumbs__wrapper" aria-label="Breadcrumbs"><ol class="mod-breadcrumbs breadcrumb px-3 py-2">'
                  f'<li class="mod-breadcrumbs__here float-start">Aktuelle Seite: &#160;</li>'
                  f'<li class="mod-breadcrumbs__item breadcrumb-item"><a href="/" class="pathway"><span>Startseite</span></a></li>'
                  f'<li class="mod-breadcrumbs__item breadcrumb-item active"><span>{t(title)}</span></li></ol></nav>')
        return f"""<!DOCTYPE html>
<html lang="de-de" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Joomla! - Open Source Content Management">
<title>{t(title)} – {t(self.site_name)}</title>
<link href="/?format=feed&amp;type=rss" rel="alternate" type="application/rss+xml" title="RSS 2.0">
<link href="/media/templates/site/cassiopeia/css/template.min.css?4.4.2" rel="stylesheet">
{head}
</head>
<body class="site com_content wrapper-static view-{view} no-layout no-task">
<header class="header container-header full-width">
<div class="grid-child"><div class="navbar-brand"><a class="brand-logo" href="/"><span title="{at(self.site_name)}">{t(self.site_name)}</span></a>
<div class="site-description">Nachrichten aus dem Rheintal</div></div></div>
<div class="grid-child container-nav"><ul class="mod-menu mod-list nav "><li class="nav-item item-101 default"><a href="/">Startseite</a></li>{menu}</ul></div>
</header>
<div class="site-grid">
<div class="grid-child container-component">
{crumbs}
<div id="system-message-container" aria-live="polite"></div>
<main>
{main}
</main>
</div>
<div class="grid-child container-sidebar-right">
{side}</div>
</div>
<footer class="container-footer footer full-width"><div class="grid-child">
<div class="mod-footer"><div class="footer1">{t(self.footer_line())}</div><div class="footer2"><a href="https://www.joomla.org">Joomla!</a> ist freie, der GNU/GPL-Lizenz unterliegende Software.</div></div>
<a href="#top" id="back-top" class="back-to-top-link" aria-label="Zurück nach oben"><span class="icon-arrow-up icon-fw" aria-hidden="true"></span></a>
</div></footer>
</body>
</html>
"""

    def comments(self, a: Article) -> str:
        items = "".join(f'<div class="{"even" if n % 2 else "odd"}" id="comment-item-{a.id * 10 + n}"><div class="rbox"><div class="comment-box">'
                        f'<span class="comment-author">{t(who)}</span> <span class="comment-date">{datum(a)} {10 + n}:0{n}</span>'
                        f'<div class="comment-body" id="comment-body-{a.id * 10 + n}">{t(text)}</div></div></div></div>'
                        for n, (who, text) in enumerate(a.comments))
        listing = (f'<h4>Kommentare ({len(a.comments)})</h4><div class="comments-list" id="comments-list-0">{items}</div>'
                   if a.comments else "")
        return (f'<div id="jc"><div id="comments">{listing}</div><a id="addcomments" href="#addcomments"></a>'
                f'<h4>Kommentar schreiben</h4><form id="comments-form" name="comments-form" action="javascript:void(null);">'
                f'<p><input id="comments-form-name" type="text" name="name" value="" maxlength="20" size="22">'
                f'<label for="comments-form-name">Name (Pflichtfeld)</label></p>'
                f'<p><textarea id="comments-form-comment" name="comment" cols="65" rows="8"></textarea></p>'
                f'<p class="small">Diese E-Mail-Adresse ist vor Spambots geschützt! Zur Anzeige muss JavaScript eingeschaltet sein.</p>'
                f'<div id="comments-form-buttons"><a href="#" id="comments-form-send">Senden</a></div></form></div>')

    # -- pages -----------------------------------------------------------------------------------
    def article_body(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        body = []
        for i, p in enumerate(a.paragraphs):
            body.append(f"<p>{t(p)}</p>")
            if i == len(a.paragraphs) // 2 and ctx.form != "print":      # {loadposition artikelmitte}
                items = "".join(f'<div class="mod-articlesnews__item" itemscope itemtype="https://schema.org/Article">'
                                f'<h4 class="newsflash-title"><a href="{at(site.href(b, 14 + j))}">{t(b.title)}</a></h4>'
                                f'<p>{t(self.excerpt(b))}</p>'
                                f'<a class="readmore" href="{at(site.href(b, 15 + j))}">Weiterlesen …</a></div>'
                                for j, b in enumerate(site.related(a, ctx.form, 3)[:2]))
                body.append(f'<div class="moduletable "><h3>Auch interessant</h3><div class="mod-articlesnews newsflash">{items}</div></div>')
        return "\n".join(b for b in body if b)

    def article_page(self, ctx: Ctx, a: Article) -> str:
        site = ctx.site
        tags = "".join(f'<li class="list-inline-item tag-{i + 2} tag-list{i}" itemprop="keywords">'
                       f'<a href="/component/tags/tag/{g}" class="btn btn-sm btn-info">{t(g)}</a></li>'
                       for i, g in enumerate(a.tags))
        sponsored = '<span class="badge bg-warning">Anzeige</span>' if a.kind == "sponsored" else ""
        order = site.newest([b for b in site.articles if b.section == a.section])
        idx = order.index(a) if a in order else 0
        pagenav = []
        if idx + 1 < len(order):
            pagenav.append(f'<a class="btn btn-sm btn-secondary previous" href="{at(self.article_path(order[idx + 1]))}" rel="prev">'
                           f'<span class="visually-hidden">Vorheriger Beitrag: {t(order[idx + 1].title)}</span>'
                           f'<span class="icon-chevron-left" aria-hidden="true"></span> <span aria-hidden="true">Zurück</span></a>')
        if idx > 0:
            pagenav.append(f'<a class="btn btn-sm btn-secondary next" href="{at(self.article_path(order[idx - 1]))}" rel="next">'
                           f'<span class="visually-hidden">Nächster Beitrag: {t(order[idx - 1].title)}</span>'
                           f'<span aria-hidden="true">Weiter</span> <span class="icon-chevron-right" aria-hidden="true"></span></a>')
        article = f"""<div class="com-content-article item-page" itemscope itemtype="https://schema.org/Article">
<meta itemprop="inLanguage" content="de-DE">
<div class="page-header"><h1 itemprop="headline">{sponsored}{t(a.title)}</h1></div>
{self.info(a)}
<ul class="tags list-inline">{tags}</ul>
<figure class="left item-image"><img src="/img/{a.slug}.jpg" itemprop="image" alt="" width="800" height="450"></figure>
<div itemprop="articleBody" class="com-content-article__body">
{self.article_body(ctx, a)}
</div>
<nav class="pagenavigation" aria-label="Seitennavigation"><span class="pagination ms-0">{''.join(pagenav)}</span></nav>
</div>
{self.comments(a) if ctx.form != "print" else ""}"""
        canonical = ctx.abs("/" if a.kind == "sponsored" else self.article_path(a))
        head = (f'<link href="{at(canonical)}" rel="canonical">\n<meta name="author" content="{at(a.author)}">\n'
                f'<meta name="description" content="{at(a.dek)}">')
        if ctx.form == "print":   # tmpl=component: the component alone, no template around it
            return (f'<!DOCTYPE html><html lang="de-de"><head><meta charset="utf-8"><title>{t(a.title)}</title>'
                    f'<meta name="robots" content="noindex, nofollow">{head}</head><body class="contentpane component">'
                    f'<div id="pop-print" class="btn hidden-print"><a href="#" onclick="window.print();return false;">Drucken</a></div>'
                    f'{article}</body></html>')
        return self.layout(ctx, a.title, "article", article, a, head)

    def listing_page(self, ctx, title, arts, page, pages, kind, key) -> str:
        if kind == "month":
            y, m = key.split("-")
            title = f"Archiv {MONTHS[int(m) - 1]} {y}"
        elif kind == "tag":
            title = f"Schlagwort: {key}"
        items = "".join(f"""<div class="com-content-category-blog__item blog-item" itemprop="blogPost" itemscope itemtype="https://schema.org/BlogPosting">
<div class="item-content">
<div class="page-header"><h2 itemprop="name"><a href="{at(ctx.site.href(b, i))}" itemprop="url">{t(b.title)}</a></h2></div>
{self.info(b, link=False)}
<p>{t(self.excerpt(b))}</p>
<p class="readmore"><a class="btn btn-secondary" href="{at(self.article_path(b))}" aria-label="Weiterlesen: {at(b.title)}"><span class="icon-chevron-right" aria-hidden="true"></span> Weiterlesen: {t(b.title)}</a></p>
</div>
</div>
""" for i, b in enumerate(arts))
        links = []
        for p in range(1, pages + 1):
            if p == page:
                links.append(f'<li class="active page-item"><a aria-current="true" aria-label="Seite {p}" href="#" class="page-link">{p}</a></li>')
            else:
                links.append(f'<li class="page-item"><a aria-label="Gehe zur Seite {p}" href="{at(self.collection_path(kind, key, p))}" class="page-link">{p}</a></li>')
        pagination = (f'<div class="com-content-category-blog__navigation w-100"><p class="com-content-category-blog__counter counter float-end pt-3 pe-2">'
                      f'Seite {page} von {pages}</p><div class="com-content-category-blog__pagination"><nav class="pagination__wrapper" aria-label="Seitennummerierung">'
                      f'<ul class="pagination ms-0 mb-4">{"".join(links)}</ul></nav></div></div>' if pages > 1 else "")
        heading = f'<h1>{t(title)}</h1>' if kind != "home" else ""
        main = (f'<div class="com-content-category-blog blog" itemscope itemtype="https://schema.org/Blog">{heading}'
                f'<div class="com-content-category-blog__items blog-items items-leading ">{items}</div>{pagination}</div>')
        return self.layout(ctx, title, "category" if kind != "home" else "featured", main)
