"""The multi-template site generator (benchmarks/sitegen), its scorer, and benchmarks/sites.py end to end."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import urllib.request
from html import escape
from urllib.parse import urlsplit

import lxml.html
import pytest

from benchmarks.sitegen import FAMILIES, HELD_OUT, build_site, serve
from benchmarks.sitegen.score import norm, score, url_key
from tests.crawling import REPO

FAMILY_NAMES = sorted(FAMILIES) + sorted(HELD_OUT)   # the generator is checked on held-out families too


def fetch(site, path, hops=4):
    """Render ``path``, following redirects; returns (status, final path, html)."""
    for _ in range(hops):
        status, headers, body = site.render(path, "h.test")
        if status in (301, 302):
            path = urlsplit(headers["Location"]).path + (
                "?" + urlsplit(headers["Location"]).query if urlsplit(headers["Location"]).query else "")
            continue
        return status, path, body.decode()
    raise AssertionError(f"redirect chain too long from {path}")


def page_text(html: str) -> str:
    """The visible text of a page (scripts and styles dropped), whitespace-normalised."""
    root = lxml.html.fromstring(html)
    for el in root.xpath("//script|//style"):
        el.drop_tree()
    return norm(root.text_content())


@pytest.mark.parametrize("family", FAMILY_NAMES)
@pytest.mark.parametrize("round", [0, 1])
def test_every_article_url_serves_its_article(family, round):
    site = build_site(family, round)
    truth = site.truth()
    assert len(truth["articles"]) >= 25
    for art in truth["articles"]:
        for url in art["urls"]:
            status, final, html = fetch(site, url)
            if art["deleted"]:
                assert status in (404, 410), (url, status)
                continue
            assert status == 200, (family, url, status)
            text = page_text(html)
            for p in art["paragraphs"]:
                assert norm(p) in text, (family, url, p[:60])
            assert any(norm(t) in text for t in art["titles"])
        # tracking parameters and the other trailing-slash form reach the same article
        canonical = art["canonical"]
        sep = "&" if "?" in canonical else "?"
        status, _, html = fetch(site, canonical + sep + "utm_source=x&utm_medium=y")
        assert status == (site.family.deleted_status if art["deleted"] else 200)
        other = canonical[:-1] if canonical.endswith("/") else canonical + "/"
        status, _, _ = fetch(site, other)
        assert status in ((404, 410) if art["deleted"] else (200,))


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_listings_paginate_and_link_their_articles(family):
    site = build_site(family, 0)
    truth = site.truth()
    assert len(truth["listings"]) >= 20
    kinds = {route[1] for route in site.routes.values() if route[0] == "listing"}
    assert kinds == {"home", "section", "tag", "author", "month"}
    paged = [r for r in site.routes.values() if r[0] == "listing" and r[3] > 1]
    assert paged, "some listing has a second page"
    collections = site.collections()
    for path, route in site.routes.items():
        if route[0] != "listing":
            continue
        _, kind, key, page = route
        status, _, html = fetch(site, path)
        assert status == 200, path
        items = collections[(kind, key)][(page - 1) * site.family.page_size: page * site.family.page_size]
        assert items
        for a in items:
            assert escape(a.title, quote=False) in html, (path, a.title)
    # page 2 of the home listing is linked from page 1 (absolute path or relative query)
    _, _, home = fetch(site, site.family.collection_path("home", "", 1))
    page2 = site.family.collection_path("home", "", 2)
    rel = page2[page2.index("?"):] if "?" in page2 else page2
    assert f'href="{page2}"' in home or f'href="{rel}"' in home


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_forbidden_strings_are_on_the_pages_and_never_in_own_text(family):
    site = build_site(family, 0)
    truth = site.truth()
    own = " ".join(norm(p) for a in truth["articles"] for p in a["paragraphs"])
    pages = {a.key: page_text(fetch(site, site.family.article_path(a))[2]) for a in site.articles}
    everything = " ".join(pages.values())
    for f in truth["forbidden"]:
        s = norm(f["text"])
        if f["kind"] in ("boilerplate", "comment"):
            assert s in everything, (f["kind"], f["text"])
            assert norm(f["text"]) not in own, f["text"]
    # teasers of other articles sit on article pages: each article's title is on some other article's page
    teased = sum(1 for a in site.pool
                 if any(norm(a.title) in text for k, text in pages.items() if k != a.key))
    assert teased >= len(site.pool) * 0.8
    # the same card twice on one page
    assert any(text.count(norm(a.title)) >= 2 for a in site.pool for text in pages.values())


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_recrawl_round_changes(family):
    r0, r1 = build_site(family, 0), build_site(family, 1)
    t0, t1 = r0.truth(), r1.truth()
    k0, k1 = {a["key"] for a in t0["articles"]}, {a["key"] for a in t1["articles"]}
    assert k1 - k0 == {t1["new"]}
    edited0 = next(a for a in t0["articles"] if a["key"] == t1["edited"])
    edited1 = next(a for a in t1["articles"] if a["key"] == t1["edited"])
    changed = [(a, b) for a, b in zip(edited0["paragraphs"], edited1["paragraphs"]) if a != b]
    assert len(changed) == 1 and t1["edit"]["sentence"] in changed[0][1]
    assert edited1["versions"] == 2
    others = [a for a in t0["articles"] if a["key"] != t1["edited"]]
    for a in others:
        b = next(x for x in t1["articles"] if x["key"] == a["key"])
        assert a["paragraphs"] == b["paragraphs"]
    path = r0.family.article_path(r0._by_key(t1["teaser_changed"]))
    assert fetch(r0, path)[2] != fetch(r1, path)[2], "the teaser-changed article shows other cards"
    gone = r1.family.article_path(r1._by_key(t1["deleted"]))
    assert fetch(r1, gone)[0] == r1.family.deleted_status in (404, 410)


def test_pages_are_deterministic_across_processes():
    code = ("from benchmarks.sitegen import build_site, FAMILIES; import hashlib\n"
            "h = hashlib.sha256()\n"
            "for f in sorted(FAMILIES):\n"
            "    s = build_site(f, 1)\n"
            "    for a in s.articles[:6]: h.update(s.render(s.family.article_path(a), 'h')[2])\n"
            "    h.update(s.render('/', 'h')[2])\n"
            "print(h.hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1


def test_served_over_http_with_aliases_and_redirects():
    site = build_site("wordpress", 0)
    a = site.articles[2]
    with serve(site) as server:
        for path in [site.family.article_path(a), f"/?p={a.id}", site.family.article_path(a).rstrip("/"),
                     "/index.php" + site.family.article_path(a), site.family.article_path(a) + "?fbclid=x1"]:
            with urllib.request.urlopen(server.base_url + path, timeout=10) as resp:
                assert resp.status == 200
                assert urlsplit(resp.geturl()).path in (site.family.article_path(a),
                                                        "/index.php" + site.family.article_path(a))
                assert escape(a.paragraphs[0], quote=False) in resp.read().decode()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server.base_url + "/no/such/page/", timeout=10)
        assert err.value.code == 404
        assert ("GET", f"/?p={a.id}", 301) in server.requests


# -- the scorer, on hand-made exports ----------------------------------------------------------------
def perfect_export(truth, host="http://127.0.0.1:1"):
    return [{"url": host + a["canonical"], "aliases": [host + u for u in a["urls"] if u != a["canonical"]],
             "text": "\n".join(a["paragraphs"]), "versions": [{}] * a["versions"]} for a in truth["articles"]]


def test_scorer_perfect_archive():
    truth = build_site("drupal", 1).truth()
    s = score(truth, perfect_export(truth))
    assert s["documents"] == s["articles"] == len(truth["articles"])
    assert (s["stray"], s["merged"], s["duplicates"], s["missing"], s["spurious_versions"]) == (0, 0, 0, 0, 0)
    assert (s["teaser_leaks"], s["boilerplate_leaks"], s["comment_leaks"]) == (0, 0, 0)
    assert s["recall"] == 1.0
    assert s["edited_one_new_version"] and s["deleted_kept"] and s["new_filed"]


def test_scorer_counts_planted_faults():
    truth = build_site("wordpress", 1).truth()
    docs = perfect_export(truth)
    arts = truth["articles"]
    other = next(f for f in truth["forbidden"] if f["kind"] == "teaser" and f["owner"] != arts[0]["key"]
                 and f["text"] not in docs[0]["text"])
    docs[0]["text"] += "\n" + other["text"]                                        # a teaser leak
    comments = [f["text"] for f in truth["forbidden"] if f["kind"] == "comment"]
    docs[1]["text"] += "\n" + next(c for c in comments if sum(o in c for o in comments) == 1)
    docs[1]["text"] += "\n" + next(f["text"] for f in truth["forbidden"] if f["kind"] == "boilerplate")
    docs[2]["aliases"].append("http://127.0.0.1:1" + arts[3]["canonical"])       # 2 and 3 merged
    docs[2]["text"] = "\n".join(arts[3]["paragraphs"])
    del docs[3]
    docs.append(copy.deepcopy(docs[4]))                                            # article 5 twice
    docs[4]["url"] += "?copy=1"
    docs[5]["versions"] = [{}, {}]                                                 # a spurious version
    docs[6]["text"] = "\n".join(arts[7]["paragraphs"][:-1])                        # lost a paragraph
    docs.append({"url": "http://127.0.0.1:1" + truth["listings"][1], "aliases": [], "text": "listing text",
                 "versions": [{}]})                                                # a listing page filed
    s = score(truth, docs)
    assert s["teaser_leaks"] == 1 and s["comment_leaks"] == 1 and s["boilerplate_leaks"] == 1
    assert s["merged"] == 1
    assert s["duplicates"] == 1
    assert s["spurious_versions"] == 1
    assert s["stray"] == 1 and s["listings_filed"] == 1
    assert s["missing"] == 0
    assert 0.9 < s["recall"] < 1.0
    docs = perfect_export(truth)
    edited = next(d for d in docs if url_key(d["url"]) == url_key(
        next(a for a in arts if a["key"] == truth["edited"])["canonical"]))
    edited["versions"] = [{}]
    assert score(truth, docs)["edited_one_new_version"] is False


def test_press_statements_sharing_a_template_are_not_one_article():
    truth = build_site("newspaper", 0).truth()
    press = [a for a in truth["articles"] if a["kind"] == "press"]
    assert len(press) == 4
    shared = set(press[0]["paragraphs"]) & set(press[1]["paragraphs"])
    assert len(shared) >= 3, "a long shared template"
    assert all(set(a["paragraphs"]) - shared for a in press), "each differs in substance"
    docs = perfect_export(truth)
    assert score(truth, docs)["merged"] == 0


# -- end to end: benchmarks/sites.py on two families --------------------------------------------------
@pytest.mark.timeout(600)
@pytest.mark.parametrize("family", ["drupal", "hugo"])
def test_sites_benchmark_end_to_end(family, capsys):
    """``benchmarks/sites.py`` crawls a family twice (``scrapy crawl news``) and the archive meets
    the issue's targets: every article one document of its own, no listing filed, no teaser,
    boilerplate or comment in any text, its own paragraphs kept, no version but the edit's.
    ``hugo`` is a family the cleaning was not written for (its list entries are covered by an
    empty link); plain trafilatura on the same fetches, in the same run, does leak."""
    from benchmarks import sites
    assert sites.main(["--families", family, "--concurrency", "4", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["family"] for r in res] == [family]
    product, baseline = res[0]["product"]["4"], res[0]["baseline"]
    truth0 = build_site(family, 0).truth()
    first = product["first"]
    assert first["articles"] == len(truth0["articles"]) == first["documents"], first
    assert (first["stray"], first["listings_filed"], first["merged"], first["duplicates"], first["missing"]) == \
        (0, 0, 0, 0, 0), first
    assert (first["teaser_leaks"], first["boilerplate_leaks"], first["comment_leaks"]) == (0, 0, 0), \
        first["leak_examples"]
    assert first["recall"] >= 0.98 and first["spurious_versions"] == 0
    assert first["requests"] > len(truth0["articles"])
    assert baseline["first"]["articles"] == first["articles"] and baseline["first"]["teaser_leaks"] > 0
    recrawl = product["recrawl"]
    assert recrawl["spurious_versions"] == 0 and recrawl["teaser_leaks"] == 0
    assert recrawl["edited_one_new_version"] and recrawl["new_filed"] and recrawl["deleted_kept"]


def test_score_family_fetches_every_article():
    from benchmarks.sites import score_family
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        res = score_family("newspaper", os.path.join(tmp, "a"), concurrency=8, recrawl=False)
    site = build_site("newspaper", 0)
    fetched = {url_key(p) for p in res["fetched"][0]}
    for a in site.articles:
        assert url_key(site.family.article_path(a)) in fetched
    assert all({"url", "text", "versions"} <= set(d) for d in res["export"])
    assert 0.0 <= res["first"]["recall"] <= 1.0 and res["recrawl"] is None
