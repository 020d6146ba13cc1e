"""Generated listing pages (section, front, tag, author, date archive, search) and article pages
in several template layouts, with and without class names: page typing must tell them apart by
structure, whatever their URL. Used by tests/test_pages.py and benchmarks/structure.py.

    for layout, kind, url, html in generate(): ...
"""
from __future__ import annotations

import random

HOST = "https://site.example.net"
WORDS = ("border talks ministers agreed timetable villages farmland demining funding rail freight "
         "harbour festival jury documentary election council budget schools hospital river bridge "
         "drought harvest museum archive parliament mayor protest union wages market energy grid "
         "solar storm coast fishermen ferry tourism bank inflation court ruling police inquiry").split()
LAYOUTS = ("wp-classic", "drupal-views", "grid", "linked-cards", "full-posts", "table-less-bare")
KINDS = ("section", "front", "tag", "author", "date", "search")


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(_sentence(rng, rng.randint(10, 18)) for _ in range(sentences))


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize()


def _slug(title: str, rng: random.Random) -> str:
    return "-".join(title.lower().split()[:6]) + f"-{rng.randint(100, 999)}"


def _teasers(rng: random.Random, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        title = _title(rng)
        out.append({"title": title, "url": f"/2022/06/{_slug(title, rng)}", "summary": _sentence(rng, 22),
                    "date": f"{rng.randint(1, 28)} June 2022", "author": rng.choice(["Ann Lee", "Tom Berg"]),
                    "body": [_paragraph(rng) for _ in range(3)]})
    return out


def _card(layout: str, t: dict, classes: bool) -> str:
    c = (lambda name: f' class="{name}"') if classes else (lambda name: "")
    if layout == "wp-classic":
        return (f'<article{c("post type-post")}><header><h2{c("entry-title")}><a href="{t["url"]}">{t["title"]}</a></h2>'
                f'<div{c("entry-meta")}>Posted on <time>{t["date"]}</time> by <a href="/author/ann">{t["author"]}</a></div>'
                f'</header><div{c("entry-summary")}><p>{t["summary"]}</p></div>'
                f'<a href="{t["url"]}">Continue reading</a></article>')
    if layout == "drupal-views":
        return (f'<div{c("views-row")}><div{c("views-field-title")}><span><a href="{t["url"]}">{t["title"]}</a></span></div>'
                f'<div{c("views-field-created")}>{t["date"]}</div><div{c("views-field-body")}><p>{t["summary"]}</p></div></div>')
    if layout == "grid":
        return (f'<div{c("card")}><a href="{t["url"]}"><img src="/img/{abs(hash(t["url"])) % 99}.jpg" alt=""></a>'
                f'<span{c("label")}>World</span><h3><a href="{t["url"]}">{t["title"]}</a></h3></div>')
    if layout == "linked-cards":
        return (f'<li><a href="{t["url"]}"><h2>{t["title"]}</h2><p>{t["summary"]}</p>'
                f'<span>{t["date"]}</span></a></li>')
    if layout == "full-posts":
        body = "".join(f"<p>{p}</p>" for p in t["body"])
        return (f'<article><h2><a href="{t["url"]}">{t["title"]}</a></h2><p><time>{t["date"]}</time></p>'
                f'{body}<p><a href="{t["url"]}#comments">Leave a comment</a></p></article>')
    # table-less-bare: paragraphs only, a bold title link then the summary on its own line
    return (f'<div><p><b><a href="{t["url"]}">{t["title"]}</a></b></p><p>{t["summary"]}</p>'
            f'<p><small>{t["date"]}</small></p></div>')


def _wrap(layout: str, cards: list[str]) -> str:
    if layout == "linked-cards":
        return "<ul>" + "".join(cards) + "</ul>"
    if layout == "grid":
        return "<section><div>" + "".join(cards) + "</div></section>"
    return "<div>" + "".join(cards) + "</div>"


def _chrome(inner: str, title: str, nav: bool = True) -> str:
    menu = ('<header><a href="/">Site</a><nav><ul><li><a href="/news">News</a></li><li><a href="/opinion">Opinion'
            '</a></li><li><a href="/culture">Culture</a></li><li><a href="/about">About</a></li></ul></nav></header>'
            if nav else "")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Site</title></head>'
            f'<body>{menu}<main>{inner}</main><footer><p>&copy; Site 2022</p></footer></body></html>')


def listing(layout: str, kind: str, rng: random.Random, classes: bool = True) -> tuple[str, str]:
    teasers = _teasers(rng, rng.randint(6, 12))
    heading, url = {
        "section": ("News", "/news"), "front": ("", "/"), "tag": ("Tag: drought", "/tag/drought/"),
        "author": ("Articles by Ann Lee", "/author/ann-lee/"), "date": ("Archives: June 2022", "/2022/06/"),
        "search": ("Search results for: harbour", "/?s=harbour"),
    }[kind]
    intro = f"<h1>{heading}</h1>" if heading else ""
    if kind == "author":
        intro += "<p>" + _sentence(rng, 25) + "</p>"   # a short bio
    pager = '<nav><a href="?page=2">2</a> <a href="?page=3">3</a> <a href="?page=2">Next</a></nav>'
    return HOST + url, _chrome(intro + _wrap(layout, [_card(layout, t, classes) for t in teasers]) + pager,
                               heading or "Home")


def article(layout: str, url_path: str, rng: random.Random, classes: bool = True) -> tuple[str, str]:
    title = _title(rng)
    related = _teasers(rng, 4)
    paragraphs = "".join(f"<p>{_paragraph(rng, 5)}</p>" for _ in range(6))
    grid_layout = layout if layout != "full-posts" else "wp-classic"
    related_html = "<h2>Related</h2>" + _wrap(grid_layout, [_card(grid_layout, t, classes) for t in related])
    inner = (f'<article><h1>{title}</h1><p>By Ann Lee, <time datetime="2022-06-03">3 June 2022</time></p>'
             f"{paragraphs}</article>{related_html}")
    return HOST + url_path, _chrome(inner, title)


def generate(seed: int = 7):
    """(layout, kind, url, html) for every layout: each listing kind, with and without class
    names, and articles at article-looking and listing-looking URLs."""
    rng = random.Random(seed)
    for layout in LAYOUTS:
        for classes in (True, False):
            tag = f"{layout}{'' if classes else '/bare'}"
            for kind in KINDS:
                url, html = listing(layout, kind, rng, classes)
                yield tag, kind, url, html
            for path in ("/?p=123", "/archives/123", "/news/2022/06/03/ministers-agree-timetable", "/node/4711"):
                url, html = article(layout, path, rng, classes)
                yield tag, "article", url, html
