"""Teasers, comments and newsletter blurbs found by page structure (archive.structure), in
several markup layouts, with and without class names; body links stay article text."""
import pytest
from lxml import html as lxml_html

from archive.extract import extract
from archive.structure import analyse

URL = "https://news.example.org/world/2024/05/talks-resume-in-geneva"

BODY = [
    "The foreign ministers met in Geneva on Tuesday for a new round of talks on the border, the first "
    "session since the autumn, held behind closed doors at a lakeside venue outside the city.",
    "Both delegations described the atmosphere as businesslike and agreed to prepare maps of two "
    "disputed sections in the northern part of the frontier before the summer recess begins.",
    "Observers said the timetable was ambitious but realistic, given that expert groups had already "
    "exchanged documents on the southern sections during the winter months without publicity.",
    "A further meeting is planned for June, when the ministers hope to sign a first protocol on the "
    "demarcation of the border villages that have been cut off from their fields for years now.",
]
TEASERS = [
    ("/world/2024/05/demining-teams-return-farmland", "Demining teams return farmland one metre at a time",
     "Work on the former front line is slow and dangerous, and funding remains a constant worry."),
    ("/economy/2024/05/new-rail-link-opens-to-freight", "New rail link opens to freight after decades of delay",
     "The line cuts the journey to the coast by half and is expected to carry grain this autumn."),
    ("/culture/2024/05/film-festival-honours-local-directors", "Film festival honours three local directors",
     "The jury praised documentaries about villages along the old border and their returning families."),
]


def article_page(body_html: str, after: str = "", sidebar: str = "") -> str:
    return f"""<!doctype html><html lang="en"><head><title>Talks resume in Geneva</title>
<meta property="og:type" content="article"></head><body>
<main><article><h1>Talks resume in Geneva</h1>
<p>By Anna Petrosyan, 14 May 2024</p>
{body_html}
</article>{after}</main>{sidebar}
</body></html>"""


def paragraphs(between: dict[int, str] | None = None) -> str:
    out = []
    for i, p in enumerate(BODY):
        out.append(f"<p>{p}</p>")
        if between and i in between:
            out.append(between[i])
    return "\n".join(out)


def run(page: str, url: str = URL):
    tree = lxml_html.document_fromstring(page)
    return analyse(tree, url), tree


def assert_clean(page: str, teaser_texts: list[str], url: str = URL):
    article = extract(page, url)
    assert article is not None
    for p in BODY:
        assert p in article.text, "an article paragraph was lost"
    for t in teaser_texts:
        assert t not in article.text, f"teaser leaked: {t}"
    return article


# --------------------------------------------------------------------------- card groups

def cards_div(cls: bool) -> str:
    c = ' class="card"' if cls else ""
    return "<div>" + "".join(
        f'<div{c}><a href="{u}"><img src="/i{n}.jpg" alt=""></a><span>World</span>'
        f'<h3><a href="{u}">{t}</a></h3><p>{s}</p><span>12 May 2024</span></div>'
        for n, (u, t, s) in enumerate(TEASERS)) + "</div>"


def cards_article_elements() -> str:
    return "<section><h2>Related</h2>" + "".join(
        f'<article><h2><a href="{u}">{t}</a></h2><time datetime="2024-05-12">12 May</time><p>{s}</p>'
        f'<a href="{u}">Read more</a></article>' for u, t, s in TEASERS) + "</section>"


def cards_li() -> str:
    return "<h3>You may also like</h3><ul>" + "".join(
        f'<li><h4><a href="https://www.news.example.org{u}">{t}</a></h4><p>{s}</p></li>'
        for u, t, s in TEASERS) + "</ul>"


def cards_overlay() -> str:
    """"Stretched link" cards: the title is a heading outside any link, and one empty link (or an
    image link) covers the card."""
    return "<section><h2>Keep reading</h2>" + "".join(
        f'<article><figure><img src="/i{n}.jpg" alt=""></figure><header><h2>{t}</h2></header>'
        f'<div><p>{s}</p></div><footer><span>12 May 2024</span> · 3 min</footer>'
        f'<a aria-label="post link to {t}" href="{u}"></a></article>' for n, (u, t, s) in enumerate(TEASERS)) + "</section>"


@pytest.mark.parametrize("layout", ["div-classes", "div-bare", "article-elements", "li-list", "overlay-link"])
@pytest.mark.parametrize("where", ["after", "inside-body", "between-paragraphs", "sidebar"])
def test_card_groups_are_removed_wherever_they_sit(layout, where):
    group = {"div-classes": cards_div(True), "div-bare": cards_div(False),
             "article-elements": cards_article_elements(), "li-list": cards_li(),
             "overlay-link": cards_overlay()}[layout]
    if where == "after":
        page = article_page(paragraphs(), after=group)
    elif where == "inside-body":
        page = article_page(paragraphs() + group)
    elif where == "between-paragraphs":
        page = article_page(paragraphs({1: group}))
    else:
        page = article_page(paragraphs(), sidebar=f"<div>{group}</div>")
    found, _ = run(page)
    teased = {r["teaser_of"] for r in found.removed if r.get("teaser_of")}
    assert {f"https://news.example.org{u}" for u, _, _ in TEASERS} <= {t.replace("www.", "") for t in teased}
    assert {r["why"] for r in found.removed if r.get("teaser_of")} <= {"teaser_cards", "link_list"}
    article = assert_clean(page, [t for _, t, _ in TEASERS] + [s for _, _, s in TEASERS])
    assert article.removed and article.structure["listing"] is False


def test_a_card_twice_on_one_page_and_an_embedded_post_box():
    u, t, s = TEASERS[0]
    box = f'<div><a href="{u}"><img src="/x.jpg"></a><h4><a href="{u}">{t}</a></h4><p>{s}</p></div>'
    page = article_page(paragraphs({0: box}), sidebar=f'<div><p>Popular</p><ul><li><a href="{u}">{t}</a> '
                                                     f'<em>{s}</em></li></ul></div>')
    found, _ = run(page)
    whys = [r["why"] for r in found.removed if r.get("teaser_of", "").endswith(u)]
    assert len(whys) == 2, found.removed
    assert_clean(page, [t, s])


@pytest.mark.parametrize("box", [
    # WordPress-style embed, no class names
    '<blockquote><p><a href="{u}">{t}</a></p><p>{s}</p></blockquote>',
    # an aside-like box made of divs, image first, title under it
    '<div><div><a href="{u}"><img src="/e.jpg"></a></div><div><strong>Also on this topic</strong>'
    '<a href="{u}">{t}</a><div>{s}</div></div></div>',
])
def test_embedded_post_box_between_paragraphs(box):
    u, t, s = TEASERS[1]
    page = article_page(paragraphs({1: box.format(u=u, t=t, s=s)}))
    found, _ = run(page)
    assert [r["why"] for r in found.removed] == ["embedded_post"]
    assert found.removed[0]["teaser_of"] == f"https://news.example.org{u}"
    assert_clean(page, [t, s])


# --------------------------------------------------------------------------- read-also lines

@pytest.mark.parametrize("line", [
    '<p><strong>Read also:</strong> <a href="{u}">{t}</a></p>',
    '<div>Lesen Sie auch: <a href="{u}"><b>{t}</b></a></div>',
    '<p><em>See also</em> &mdash; <a href="https://news.example.org{u}?utm_source=body">{t}</a>.</p>',
    '<h4><a href="{u}">{t}</a></h4>',
])
def test_read_also_lines_are_removed(line):
    u, t, _ = TEASERS[2]
    page = article_page(paragraphs({0: line.format(u=u, t=t), 2: line.format(u=TEASERS[0][0], t=TEASERS[0][1])}))
    found, _ = run(page)
    assert {r["why"] for r in found.removed} <= {"read_also", "teaser_cards"}
    assert len(found.removed) == 2
    assert_clean(page, [t, TEASERS[0][1], "Read also", "Lesen Sie auch", "See also"])


def test_body_paragraphs_with_inline_links_are_article_text():
    linked = [
        f'<p>The talks follow <a href="{TEASERS[0][0]}">the demining report</a> published last week, which '
        f'found that large areas of farmland remain closed, and a <a href="{TEASERS[1][0]}">new rail link</a> '
        f'that both sides hope will bring trade back to the border region within a few years.</p>',
        f'<p><a href="/people/anna-petrosyan">Anna Petrosyan</a> has covered the negotiations since they '
        f'began and says the mood among the negotiators has changed markedly over the past months.</p>',
        f'<p>Read the statement <a href="{TEASERS[2][0]}">here</a>.</p>',
    ]
    page = article_page(paragraphs({0: linked[0], 1: linked[1], 2: linked[2]}))
    found, _ = run(page)
    assert found.removed == []
    article = extract(page, URL)
    assert "found that large areas of farmland remain closed" in article.text
    assert "has covered the negotiations" in article.text
    assert "Read the statement here." in article.text


def test_links_to_the_page_itself_or_to_other_sites_are_not_teasers():
    self_links = "".join(f'<p><a href="{URL}#part{n}">Part {n} of this story about the talks</a></p>' for n in range(3))
    external = '<p><strong>Source:</strong> <a href="https://agency.example.com/wire/12345">Agency wire report on the talks</a></p>'
    page = article_page(paragraphs({0: self_links, 1: external}))
    found, _ = run(page)
    assert found.removed == []


# --------------------------------------------------------------------------- most-read lists

@pytest.mark.parametrize("layout", ["ol", "div-rows"])
def test_most_read_list(layout):
    titles = [t for _, t, _ in TEASERS] + ["Ministers agree timetable for expert meetings on maps"]
    urls = [u for u, _, _ in TEASERS] + ["/world/2024/04/ministers-agree-timetable"]
    if layout == "ol":
        block = "<h3>Most read</h3><ol>" + "".join(f'<li><a href="{u}">{t}</a></li>' for u, t in zip(urls, titles)) + "</ol>"
    else:
        block = "<div><div>Most read</div>" + "".join(
            f'<div><span>{n}</span> <a href="{u}">{t}</a></div>' for n, (u, t) in enumerate(zip(urls, titles), 1)) + "</div>"
    page = article_page(paragraphs(block and {3: block}))
    found, _ = run(page)
    assert len([r for r in found.removed if r.get("teaser_of")]) == 4
    assert_clean(page, titles + ["Most read"])


# --------------------------------------------------------------------------- comments

def comments_wordpress() -> str:
    items = "".join(
        f'<li><article><footer><img src="/avatar{n}.png" alt=""><b>{name}</b> '
        f'<a href="{URL}#comment-{n}"><time datetime="2024-05-1{n}T10:0{n}">May 1{n}, 2024 at 10:0{n}</time></a>'
        f'</footer><div><p>{text}</p></div><a href="{URL}?replytocom={n}#respond">Reply</a></article>'
        + (f'<ol><li><article><footer><b>Editor</b> <time datetime="2024-05-1{n}">May 1{n}, 2024</time></footer>'
           f'<p>Thanks, we will follow this closely.</p><a href="?replytocom=9{n}#respond">Reply</a></article></li></ol>'
           if n == 1 else "") + "</li>"
        for n, (name, text) in enumerate([("Karen", "Finally some progress on the maps, it has taken far too long."),
                                          ("Levon", "I doubt the June date will hold, there is too much at stake."),
                                          ("Mariam", "My family still cannot reach our old fields near the border.")]))
    return f"<section><h2>3 thoughts on this story</h2><ol>{items}</ol></section>"


def comments_divs() -> str:
    return "<div>" + "".join(
        f'<div><div><span>{name}</span> <span>{d}.05.2024 1{d}:30</span></div><div>{text}</div>'
        f'<div><button>Antworten</button> <button>Melden</button></div></div>'
        for d, (name, text) in enumerate([("User1", "Endlich Bewegung bei den Gesprächen über die Grenze."),
                                          ("User2", "Abwarten, im Juni sehen wir weiter, ob das hält."),
                                          ("User3", "Die Dörfer warten seit Jahren auf eine Lösung.")], 1)) + "</div>"


@pytest.mark.parametrize("layout", [comments_wordpress, comments_divs])
def test_comment_threads_are_removed(layout):
    page = article_page(paragraphs(), after=layout())
    found, _ = run(page)
    assert sum(r["why"] == "comment" for r in found.removed) >= 3
    assert_clean(page, ["Finally some progress", "I doubt the June date", "Endlich Bewegung", "Abwarten, im Juni",
                        "Thanks, we will follow"])


def test_a_forum_thread_keeps_its_posts():
    """Dated posts with reply buttons are the content when the page has no other body."""
    posts = "".join(
        f'<div><div><span>member{n}</span> <span>0{n}.05.2024 10:00</span></div>'
        f'<div>{p}</div><div><button>Reply</button> <button>Quote</button></div></div>'
        for n, p in enumerate(BODY, 1))
    page = f"<html><head><title>Thread</title></head><body><h1>Border talks thread</h1>{posts}</body></html>"
    found, _ = run(page, "https://forum.example.org/threads/border-talks.123/")
    assert not [r for r in found.removed if r["why"] == "comment"]


# --------------------------------------------------------------------------- newsletter blurbs

@pytest.mark.parametrize("form", [
    '<div><h3>Get our morning newsletter</h3><p>The day\'s best stories in your inbox, every morning.</p>'
    '<form action="/subscribe"><input type="email" name="e"><button>Sign up</button></form></div>',
    '<section><p>Nie wieder etwas verpassen: unser Newsletter jeden Freitag.</p><form method="post">'
    '<label>Ihre Adresse <input type="text" name="newsletter_mail" placeholder="E-Mail"></label>'
    '<input type="submit" value="Abonnieren"></form></section>',
])
def test_newsletter_blurbs_are_removed(form):
    page = article_page(paragraphs({2: form}))
    found, _ = run(page)
    assert [r["why"] for r in found.removed] == ["newsletter"]
    assert_clean(page, ["best stories in your inbox", "Nie wieder etwas verpassen", "morning newsletter"])


def test_comment_form_is_removed():
    form = ('<div><h3>Leave a Reply</h3><form action="/wp-comments-post.php"><p>Your email address will not be '
            'published.</p><textarea name="comment"></textarea><input name="author"><input type="submit"></form></div>')
    page = article_page(paragraphs(), after=form)
    found, _ = run(page)
    assert "comment_form" in [r["why"] for r in found.removed]
    assert_clean(page, ["Your email address will not be published", "Leave a Reply"])


def test_structure_can_be_switched_off():
    from dataclasses import replace

    from archive.extract import DEFAULT_SETTINGS
    page = article_page(paragraphs({1: cards_li()}))
    on = extract(page, URL)
    off = extract(page, URL, settings=replace(DEFAULT_SETTINGS, structure=False))
    assert on.removed and not off.removed
    assert TEASERS[0][2] in off.text and TEASERS[0][2] not in on.text


# -- the shortcuts the pass takes for speed give what the plain calls give ------------------------


@pytest.mark.parametrize("href", [
    "https://news.example.org/world/a-b-c-d", "https://news.example.org?page=2", "https://news.example.org",
    "https://NEWS.example.org/x?a=1?b=2", "https://other.example.com/p?q", "http://cdn.example.org/i.JPG",
    "https://user@news.example.org/x", "https://news.example.org:8443/x", "https://[::1]/x",
    "https://xn--bcher-kva.example/ü?ä", "https://news.example.org/a b", "https://x_y.example.org/a",
])
def test_link_urls_split_without_urlsplit_as_urlsplit_does(href):
    from urllib.parse import urlsplit

    from archive.structure import _Pass
    tree = lxml_html.document_fromstring("<html><body><p>x</p></body></html>")
    parts, host = _Pass(tree, "https://news.example.org/world/talks")._split(href)
    assert (parts, host) == (urlsplit(href), urlsplit(href).hostname)


def test_bounded_text_reads_match_the_whole_text():
    import random

    from archive.structure import _DATE_RE, _has_date, _head, _raw_head
    el = lxml_html.fragment_fromstring(
        "<div>  Opening   words <b>bold</b><!-- note --> tail " + "<p>para  graph text</p>\n" * 80 + "</div>")
    whole = " ".join(el.text_content().split())
    for cap in (0, 5, 80, 300, 10_000):
        head = _head(el, cap)
        assert head == whole if len(whole) <= cap else (len(head) > cap and whole.startswith(head))
        assert _raw_head(el, cap) == el.text_content()[:cap]
    texts = ["posted 12.05.2024", "at 9:45", "no date here", "12024年5月", "115月14日", "a12:30", "x_2019"]
    rng = random.Random(7)
    texts += ["".join(rng.choice("0123456789./-: a_年月日") for _ in range(rng.randint(0, 16))) for _ in range(20_000)]
    for text in texts:
        assert _has_date(text) == (_DATE_RE.search(text) is not None), text


def test_remembered_texts_follow_removals():
    from archive.structure import _Pass
    tree = lxml_html.document_fromstring(
        "<html><body><a id='box' href='/x'><p>Kept paragraph.</p><ul><li id='gone'>Removed card</li></ul></a></body></html>")
    p = _Pass(tree, URL)
    box, gone = tree.get_element_by_id("box"), tree.get_element_by_id("gone")
    assert "Removed card" in p._text(box) and p._text(gone) == "Removed card"
    p._detach(gone)
    assert p._text(box) == box.text_content() == "Kept paragraph."
    assert p._text(gone) == "Removed card"   # its own subtree is unchanged
