"""Score an archive's documents against a generated site's ground truth.

Leaks are counted in documents that hold an article: a listing page filed is a stray document.

Documents are dicts with at least ``url``, ``aliases``, ``text`` and ``versions`` (what
``archive export`` prints, or what the baseline builds). A document *holds* an article when one of
its URLs is one of the article's URLs, or when it carries at least half of the article's paragraphs
that no other article shares (press statements share a template; it does not count).
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit

from .model import TRACKING_PARAMS


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def url_key(url: str) -> str:
    """Host-free, tracking-free, prefix-free, slash-free form of a URL or path, for matching."""
    split = urlsplit(url)
    path = re.sub(r"^/index\.php(?=/|$)", "", split.path) or "/"
    if path != "/":
        path = path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if k not in TRACKING_PARAMS)
    return path + ("?" + urlencode(query) if query else "")


def doc_urls(doc: dict) -> list[str]:
    return [doc.get("url", "")] + list(doc.get("aliases") or [])


def score(truth: dict, docs: list[dict], examples: int = 3) -> dict:
    """Counts for one archive of one site (see the module docstring)."""
    arts = {a["key"]: a for a in truth["articles"]}
    by_url = {}
    for a in arts.values():
        for u in a["urls"]:
            by_url[url_key(u)] = a["key"]
    listing_keys = {url_key(u) for u in truth["listings"]}
    para_owners = defaultdict(set)
    for a in arts.values():
        for p in a["paragraphs"]:
            para_owners[norm(p)].add(a["key"])
    distinct = {k: [norm(p) for p in a["paragraphs"] if len(para_owners[norm(p)]) == 1] for k, a in arts.items()}

    holds: list[set[str]] = []
    texts = [norm(d.get("text", "")) for d in docs]
    for d, text in zip(docs, texts):
        keys = {by_url[url_key(u)] for u in doc_urls(d) if url_key(u) in by_url}
        for k, paras in distinct.items():
            if paras and sum(p in text for p in paras) >= len(paras) / 2:
                keys.add(k)
        holds.append(keys)

    docs_of = defaultdict(list)
    for i, keys in enumerate(holds):
        for k in keys:
            docs_of[k].append(i)

    recall = {}
    for k, a in arts.items():
        paras = [norm(p) for p in a["paragraphs"]]
        best = max((sum(p in texts[i] for p in paras) / len(paras) for i in docs_of[k]), default=0.0)
        recall[k] = best

    leaks = {"teaser": 0, "boilerplate": 0, "comment": 0}
    leak_examples = []
    forbidden = [(norm(f["text"]), f["kind"], f["owner"]) for f in truth["forbidden"] if norm(f["text"])]
    for d, text, keys in zip(docs, texts, holds):
        if not keys:      # a stray document is counted as such, not once more for each card on it
            continue
        own = " \n ".join(norm(p) for k in keys for p in arts[k]["paragraphs"] + arts[k]["titles"])
        for s, kind, owner in forbidden:
            if owner in keys or s not in text or s in own:
                continue
            leaks[kind] += 1
            if len(leak_examples) < examples:
                leak_examples.append({"url": d.get("url"), "kind": kind, "text": s[:90]})

    spurious = 0
    for d, keys in zip(docs, holds):
        expected = max((arts[k]["versions"] for k in keys), default=1)
        spurious += max(0, len(d.get("versions") or [1]) - expected)

    out = {
        "articles": len(arts),
        "documents": len(docs),
        "stray": sum(1 for keys in holds if not keys),
        "listings_filed": sum(1 for d in docs if any(url_key(u) in listing_keys for u in doc_urls(d))),
        "merged": sum(1 for keys in holds if len(keys) > 1),
        "duplicates": sum(1 for k in arts if len(docs_of[k]) > 1),
        "missing": sum(1 for k in arts if not docs_of[k]),
        "teaser_leaks": leaks["teaser"],
        "boilerplate_leaks": leaks["boilerplate"],
        "comment_leaks": leaks["comment"],
        "recall": round(sum(recall.values()) / len(recall), 4) if recall else 0.0,
        "spurious_versions": spurious,
        "leak_examples": leak_examples,
    }
    if truth.get("round", 0) >= 1:
        edited = [docs[i] for i in docs_of[truth["edited"]]]
        sentence = norm(truth["edit"]["sentence"]) if truth.get("edit") else ""
        out["edited_one_new_version"] = (len(edited) == 1 and len(edited[0].get("versions") or []) == 2
                                         and sentence in norm(edited[0].get("text", "")))
        out["deleted_kept"] = bool(docs_of[truth["deleted"]])
        out["new_filed"] = bool(docs_of[truth["new"]])
    return out
