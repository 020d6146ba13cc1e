"""Tests for the generated demo news site (tests/demosite)."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tests.demosite import build_site, serve

HOST = "127.0.0.1:8000"
WPS_TITLE = "Women, Peace and Security: Words Endure, but Government Action Lags"
SECTIONS = {"news", "opinion", "analysis", "interview", "editors-choice"}
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site():
    return build_site(variant=0)


@pytest.fixture(scope="module")
def site1():
    return build_site(variant=1)


def get(site, path, host=HOST):
    status, headers, body = site.render(path, host)
    return status, headers, body


def text(site, path, host=HOST):
    status, headers, body = get(site, path, host)
    assert status == 200, (path, status)
    return body.decode("utf-8")


def h1(page: str) -> str:
    m = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert m, "no <h1>"
    return html.unescape(m.group(1))


def blocks(page: str) -> tuple[str, str]:
    rel = page.split("<h2>Related articles</h2>", 1)[1].split("<h2>Popular</h2>", 1)[0]
    pop = page.split("<h2>Popular</h2>", 1)[1].split("</main>", 1)[0]
    return rel, pop


def card_titles(block: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<h3><a href="[^"]*">(.*?)</a></h3>', block)]


def body_paragraphs(page: str) -> list[str]:
    """Plain <p> elements of the article body (body paragraphs + the Source line)."""
    main = page.split('<div class="node">', 1)[1].split("<h2>Related articles</h2>", 1)[0]
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", main, re.S)]


# ---------------------------------------------------------------- content / manifest

def test_manifest_shape(site):
    arts = site.articles
    originals = [a for a in arts if a["republished_of"] is None]
    assert len(originals) >= 14
    keys = {"slug", "section", "path", "title", "lead", "paragraphs", "author", "published",
            "tags", "source", "caption", "has_canonical", "republished_of"}
    seen_paras = Counter()
    for a in arts:
        assert keys <= set(a)
        assert a["section"] in SECTIONS
        assert a["path"] == f"/{a['section']}/{a['slug']}"
        assert re.fullmatch(r"202[56]-\d\d-\d\d", a["published"])
        assert 1 <= len(a["tags"]) <= 3
        assert a["source"].startswith("Source: ")
        assert a["lead"].endswith(".") and a["caption"]
        assert 4 <= len(a["paragraphs"]) <= 7
        for p in a["paragraphs"]:
            assert 40 <= len(p.split()) <= 90, (a["slug"], len(p.split()))
        if a["republished_of"] is None:
            seen_paras.update(a["paragraphs"])
    assert {a["section"] for a in arts} == SECTIONS
    assert any(a["author"] == "Editorial staff" for a in arts)
    assert sum(not a["has_canonical"] for a in arts) >= 3
    assert site.article_paths() == [a["path"] for a in arts]
    assert len(set(site.article_paths())) == len(arts)
    # Only the EU-statement template paragraphs repeat across original articles.
    assert sorted(seen_paras.values(), reverse=True)[:3] == [2, 2, 1]
    wps = [a for a in arts if a["title"] == WPS_TITLE]
    assert len(wps) == 1 and wps[0]["section"] == "opinion"
    assert site.edited_slug is site.teaser_changed_slug is site.new_slug is None


def test_eu_statement_template_pair(site):
    eu = [a for a in site.articles if a["title"].startswith("EU statement")]
    assert len(eu) == 2
    a, b = eu
    assert a["paragraphs"][0] == b["paragraphs"][0] and len(a["paragraphs"][0].split()) > 60
    assert a["paragraphs"][-1] == b["paragraphs"][-1]
    assert not set(a["paragraphs"][1:-1]) & set(b["paragraphs"][1:-1])
    assert a["title"] != b["title"] and a["lead"] != b["lead"]


def test_republished_copy(site):
    reps = [a for a in site.articles if a["republished_of"]]
    assert len(reps) == 1
    rep = reps[0]
    orig = site.article(rep["republished_of"])
    assert rep["path"] == orig["path"] + "-republished"
    assert rep["title"] == "Republished: " + orig["title"]
    assert rep["paragraphs"] == orig["paragraphs"] and rep["lead"] == orig["lead"]
    assert body_paragraphs(text(site, rep["path"]))[:-1] == orig["paragraphs"]


def test_deterministic():
    a, b = build_site(0), build_site(0)
    for p in a.article_paths() + a.non_article_paths() + ["/rss.xml", "/sitemap.xml"]:
        assert a.render(p, HOST) == b.render(p, HOST)


# ---------------------------------------------------------------- article pages

def test_article_pages(site):
    with_ld = 0
    for a in site.articles:
        page = text(site, a["path"])
        assert h1(page) == a["title"]
        assert '<meta property="og:type" content="article">' in page
        assert f'<meta property="og:title" content="{html.escape(a["title"])}">' in page
        assert f'<meta property="og:description" content="{html.escape(a["lead"])}">' in page
        assert '<meta property="og:image" content="http://127.0.0.1:8000/static/img/' in page
        assert f'<meta property="article:published_time" content="{a["published"]}T' in page
        assert f'<meta name="author" content="{html.escape(a["author"])}">' in page
        assert f"<figcaption>{html.escape(a['caption'], quote=False)}</figcaption>" in page
        assert f'<p class="lead"><strong>{html.escape(a["lead"], quote=False)}</strong>' in page
        assert body_paragraphs(page) == a["paragraphs"] + [f"<em>{a['source']}</em>"]
        assert html.escape(a["source"], quote=False) in page
        for t in a["tags"]:
            assert f'href="/tags/{t}"' in page
        canon = f'<link rel="canonical" href="http://{HOST}{a["path"]}">'
        assert (canon in page) == a["has_canonical"]
        assert page.count('rel="canonical"') == int(a["has_canonical"])
        m = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        if m:
            with_ld += 1
            ld = json.loads(m.group(1))
            assert ld["@type"] == "NewsArticle" and ld["headline"] == a["title"]
    assert 0 < with_ld < len(site.articles)


def test_canonical_uses_request_host(site):
    a = next(x for x in site.articles if x["has_canonical"])
    page = text(site, a["path"], host="example.test:9999")
    assert f'<link rel="canonical" href="http://example.test:9999{a["path"]}">' in page


def test_teaser_blocks(site):
    card_sets = set()
    wps_pages = 0
    forbidden = re.compile(r'(?:class|id)="[^"]*(?:teaser|related|popular|card|aside)', re.I)
    for a in site.articles:
        page = text(site, a["path"])
        assert not forbidden.search(page)
        rel, pop = blocks(page)
        rt, pt = card_titles(rel), card_titles(pop)
        assert 3 <= len(rt) <= 4 and 3 <= len(pt) <= 4, (a["path"], rt, pt)
        assert len(set(rt) & set(pt)) == 1, (a["path"], rt, pt)
        assert len(set(rt)) == len(rt) and len(set(pt)) == len(pt)
        assert a["title"] not in rt + pt
        for t in rt + pt:  # title appears as img alt and as heading; summary = teased lead
            teased = next(x for x in site.articles if x["title"] == t)
            assert f'alt="{html.escape(t)}"' in page
            assert f"<p>{html.escape(teased['lead'], quote=False)}</p>" in page
            assert teased["lead"] in site.teaser_summaries()
        if WPS_TITLE in rt + pt:
            wps_pages += 1
            assert "Editor's choice</span> <span" in page and ">Opinion</span>" in page
        card_sets.add((tuple(rt), tuple(pt)))
        cards = site.cards_on(a["path"])
        assert [c["title"] for c in cards["related"]] == rt
        assert [c["title"] for c in cards["popular"]] == pt
    assert wps_pages >= len(site.articles) - 1
    assert len(card_sets) >= len(site.articles) - 1  # teasers vary between pages


def test_index_php_copy_and_link_forms(site):
    links = Counter()
    differ = 0
    for a in site.articles:
        plain = text(site, a["path"])
        copy = text(site, "/index.php" + a["path"])
        assert body_paragraphs(copy) == body_paragraphs(plain)
        assert body_paragraphs(copy)[:len(a["paragraphs"])] == a["paragraphs"]
        assert h1(copy) == a["title"]
        if a["has_canonical"]:  # copy points back to the plain URL
            assert f'<link rel="canonical" href="http://{HOST}{a["path"]}">' in copy
        differ += blocks(plain) != blocks(copy)
        for href in re.findall(r'href="([^"]*)"', plain):
            href = html.unescape(href)
            if href.startswith("/index.php/"):
                links["index.php"] += 1
            if "utm_source=newsletter&utm_medium=email" in href:
                links["utm"] += 1
            if href.endswith("?utm_campaign=x"):
                links["campaign"] += 1
    assert differ > 0
    assert links["index.php"] and links["utm"] and links["campaign"]
    # tracking parameters do not change the article
    a = site.articles[0]
    assert body_paragraphs(text(site, a["path"] + "?utm_campaign=x")) == body_paragraphs(
        text(site, a["path"]))


# ---------------------------------------------------------------- other pages

def test_non_article_pages(site):
    bad = set(site.bad_paths())
    for p in site.non_article_paths() + ["/private/members"]:
        page = text(site, p)
        assert '<meta property="og:type" content="website">' in page
        assert "og:type\" content=\"article\"" not in page
        assert "article:published_time" not in page
        assert '<link rel="alternate" type="application/rss+xml" href="/rss.xml">' in \
            page.replace(' title="commonspace.eu RSS"', "")
        for nav in ('href="/"', 'href="/about"', 'href="/contact"', 'href="/private/members"',
                    'href="/news"', 'href="/editors-choice"'):
            assert nav in page, (p, nav)
        assert "Copyright &copy;" in page
        if p != "/about":
            assert not any(f'href="{b}"' in page for b in bad), p
    for p in ("/about", "/contact"):
        page = text(site, p)
        assert "<time" not in page and not re.search(r"\b20\d\d\b", page)
        assert len(re.findall(r"<p>", page)) >= 3
    about = text(site, "/about")
    for b in ["/files/report.pdf", "/bad/empty", "/bad/broken", "/bad/latin1",
              "/bad/wrong-charset", "/bad/huge", "/bad/missing", "/bad/error",
              "/bad/redirect", "/bad/loop"]:
        assert f'href="{b}"' in about
    for a in site.articles:
        assert not any(f'href="{b}"' in text(site, a["path"]) for b in bad)


def test_listings_and_home(site):
    reachable = set()
    for s in SECTIONS:
        page_no = 1
        while True:
            path = f"/{s}" if page_no == 1 else f"/{s}?page={page_no}"
            page = text(site, path)
            items = re.findall(r'<h3><a href="([^"]*)">', page)
            assert 1 <= len(items) <= 5
            reachable.update(items)
            if f'href="/{s}?page={page_no + 1}"' not in page:
                break
            page_no += 1
        assert get(site, f"/{s}?page={page_no + 1}")[0] == 404
    assert reachable == set(site.article_paths())
    assert "/news?page=2" in site.non_article_paths()
    home = text(site, "/")
    newest = site.newest()[:3]
    assert all(html.escape(a["title"], quote=False) in home for a in newest)
    tag = site.articles[0]["tags"][0]
    assert site.articles[0]["path"] in text(site, f"/tags/{tag}")


def test_robots_sitemap_rss(site):
    st, hd, body = get(site, "/robots.txt")
    robots = body.decode()
    assert st == 200 and hd["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in robots and "Disallow: /private/" in robots
    assert f"Sitemap: http://{HOST}/sitemap.xml" in robots
    assert get(site, "/private/members")[0] == 200

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(get(site, "/sitemap.xml")[2])
    locs = [u.find("s:loc", ns).text for u in root.findall("s:url", ns)]
    assert sorted(locs) == sorted(f"http://{HOST}{p}" for p in site.article_paths())
    assert all(u.find("s:lastmod", ns).text for u in root.findall("s:url", ns))

    rss = ET.fromstring(get(site, "/rss.xml")[2])
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    items = rss.findall("./channel/item")
    assert len(items) == 10
    assert [i.find("link").text for i in items] == \
        [f"http://{HOST}{a['path']}" for a in site.newest()[:10]]


def test_bad_pages(site):
    st, hd, body = get(site, "/files/report.pdf")
    assert (st, hd["Content-Type"]) == (200, "application/pdf") and body.startswith(b"%PDF")
    assert b"\x00" in body
    st, hd, body = get(site, "/bad/empty")
    assert (st, body) == (200, b"") and hd["Content-Type"].startswith("text/html")
    assert hd["Content-Length"] == "0"
    st, hd, body = get(site, "/bad/broken")
    assert st == 200 and b"</html>" not in body
    st, hd, body = get(site, "/bad/latin1")
    assert st == 200 and hd["Content-Type"] == "text/html"
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    decoded = body.decode("windows-1252")
    assert all(c in decoded for c in "éü€")
    st, hd, body = get(site, "/bad/wrong-charset")
    assert st == 200 and "charset=utf-8" in hd["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Министры" in body.decode("windows-1251")
    st, hd, body = get(site, "/bad/huge")
    assert st == 200 and len(body) == 3 * 1024 * 1024 == int(hd["Content-Length"])
    assert body.rstrip().endswith(b"</html>")
    small = build_site(0, huge_size=20_000)
    assert len(get(small, "/bad/huge")[2]) == 20_000
    assert get(site, "/bad/missing")[0] == 404
    assert get(site, "/no/such/page")[0] == 404
    assert get(site, "/bad/error")[0] == get(site, "/bad/error")[0] == 500
    st, hd, _ = get(site, "/bad/redirect")
    assert st == 302 and hd["Location"] == f"http://{HOST}/bad/redirect2"
    st, hd, _ = get(site, "/bad/redirect2")
    assert st == 302 and hd["Location"][len(f"http://{HOST}"):] in site.article_paths()
    st, hd, _ = get(site, "/bad/loop")
    assert st == 302 and hd["Location"].endswith("/bad/loop2")
    st, hd, _ = get(site, "/bad/loop2")
    assert st == 302 and hd["Location"].endswith("/bad/loop")
    for p, expected in site.bad_paths().items():
        assert get(site, p)[0] == expected, p


# ---------------------------------------------------------------- variant 1

def test_variant1(site, site1):
    assert site1.edited_slug == site.articles[2]["slug"]
    assert site1.teaser_changed_slug == site.articles[4]["slug"]
    assert site1.new_slug and site1.new_slug not in {a["slug"] for a in site.articles}
    new = next(a for a in site1.articles if a["slug"] == site1.new_slug)
    assert site1.article_paths() == site.article_paths() + [new["path"]]

    # edited article: exactly one sentence of one paragraph differs
    a0, a1 = site.articles[2], site1.articles[2]
    diff = [(p, q) for p, q in zip(a0["paragraphs"], a1["paragraphs"]) if p != q]
    assert len(diff) == 1 and len(a0["paragraphs"]) == len(a1["paragraphs"])
    s0, s1 = (re.split(r"(?<=\.) ", x) for x in diff[0])
    assert len(s0) == len(s1) and sum(x != y for x, y in zip(s0, s1)) == 1
    e = site1.edit_info
    assert get(site, a0["path"])[2].decode().replace(e["old"], e["new"]) == \
        text(site1, a1["path"])

    # teaser-only change
    t = site.articles[4]
    p0, p1 = text(site, t["path"]), text(site1, t["path"])
    assert p0 != p1 and body_paragraphs(p0) == body_paragraphs(p1)
    assert p0.split("<h2>Related articles</h2>")[0] == p1.split("<h2>Related articles</h2>")[0]
    assert blocks(p0) != blocks(p1)

    # every other article page is byte-identical
    for a in site.articles:
        if a["slug"] not in (site1.edited_slug, site1.teaser_changed_slug):
            assert site.render(a["path"], HOST) == site1.render(a["path"], HOST), a["path"]
            ip = "/index.php" + a["path"]
            assert site.render(ip, HOST) == site1.render(ip, HOST)

    # new article is newest and listed everywhere
    assert site1.newest()[0]["slug"] == new["slug"]
    assert h1(text(site1, new["path"])) == new["title"]
    assert f'href="{new["path"]}"' in text(site1, f"/{new['section']}")
    assert new["title"] in text(site1, "/")
    assert new["title"] not in text(site, "/")
    assert f"http://{HOST}{new['path']}" in text(site1, "/sitemap.xml")
    items = ET.fromstring(get(site1, "/rss.xml")[2]).findall("./channel/item")
    assert len(items) == 10 and items[0].find("link").text == f"http://{HOST}{new['path']}"
    assert get(site, new["path"])[0] == 404


# ---------------------------------------------------------------- live server

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_live_server(site):
    art = site.articles[1]
    with serve(build_site(0, huge_size=200_000), port=0) as server:
        base = server.base_url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            assert r.status == 200 and "text/html" in r.headers["Content-Type"]
            assert b"<!DOCTYPE html>" in r.read()
        with urllib.request.urlopen(base + art["path"] + "?utm_campaign=x", timeout=5) as r:
            page = r.read().decode()
            assert h1(page) == art["title"]
            host = base[len("http://"):]
            assert f'<link rel="canonical" href="http://{host}{art["path"]}">' in page
        req = urllib.request.Request(base + art["path"], method="HEAD")
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200 and int(r.headers["Content-Length"]) > 1000
            assert r.read() == b""
        with urllib.request.urlopen(base + "/robots.txt", timeout=5) as r:
            assert b"Disallow: /private/" in r.read()
        for path, code in (("/bad/missing", 404), ("/bad/error", 500)):
            with pytest.raises(urllib.error.HTTPError) as ei:
                urllib.request.urlopen(base + path, timeout=5)
            assert ei.value.code == code
        with urllib.request.urlopen(base + "/bad/redirect", timeout=5) as r:
            assert r.geturl() == base + site.articles[0]["path"]
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as ei:
            opener.open(base + "/bad/loop", timeout=5)
        assert ei.value.code == 302 and ei.value.headers["Location"] == base + "/bad/loop2"
        with urllib.request.urlopen(base + "/bad/huge", timeout=5) as r:
            assert len(r.read()) == 200_000 == int(r.headers["Content-Length"])
        with urllib.request.urlopen(base + "/bad/empty", timeout=5) as r:
            assert r.read() == b""

        assert server.requests[:4] == ["/", art["path"] + "?utm_campaign=x", art["path"],
                                       "/robots.txt"]
        assert server.request_log[2]["method"] == "HEAD"
        assert "/bad/redirect2" in server.requests

        # swapping the site under the same URL (recrawl)
        server.site = build_site(1)
        server.clear_requests()
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            assert server.site.articles[-1]["title"].encode() in r.read()
        assert server.requests == ["/"]
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/", timeout=1)


def test_cli_serves_and_stops_on_sigint():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.demosite", "--port", "0", "--variant", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert m, line
        with urllib.request.urlopen(m.group(1) + "/rss.xml", timeout=5) as r:
            assert r.status == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0   # generous: a loaded machine (2 cores, whole suite) is slow
        assert proc.stderr.read() == ""  # no per-request logging without --verbose
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
