"""The final re-clean: a crawl's first pages, filed before the site's block table knew a repeated
block, are cleaned again at the end with the final tables; the pages kept for it live on disk
(archive.keptpages), not in memory."""
import random

import pytest

from archive import filing
from archive.archive import Archive
from archive.keptpages import KeptPages
from archive.session import CrawlSession
from tests.test_archive_cli import ingest, page

PROMO = "Subscribe to our newsletter for the day's headlines."


def story(n):
    """An article of its own words (made-up, seeded by ``n``) with the site's promo line inside."""
    rng = random.Random(n)
    words = lambda k: " ".join("".join(rng.choice("abcdefghiklmnoprstuvz") for _ in range(rng.randint(3, 9)))
                               for _ in range(k))
    own = [f"{words(30).capitalize()}.", f"{words(32).capitalize()}."]
    return page(f"http://demo.test/news/story-{n}", text="\n".join([own[0], PROMO, own[1]]), title=f"Story {n}")


@pytest.mark.parametrize("limit", [filing.RECLEAN_LIMIT, 0])
def test_first_pages_are_cleaned_again_with_the_final_block_table(tmp_path, monkeypatch, limit):
    monkeypatch.setattr(filing, "RECLEAN_LIMIT", limit)
    archive = Archive.open(str(tmp_path / "a"), create=True)
    session = CrawlSession(archive, spider="test", warmup_pages=1)
    for n in range(8):
        ingest(session, story(n))
    report = session.finish()
    texts = {e["title"]: archive.load_document(e["id"])["text"] for e in archive.catalog().entries()}
    assert len(texts) == 8 and all(PROMO not in t.split("\n")[0] for t in texts.values())
    late = [t for title, t in texts.items() if int(title.split()[1]) >= 5]
    assert late and not any(PROMO in t for t in late), "by then the table knew the promo block"
    early_with_promo = sorted(title for title, t in texts.items() if PROMO in t)
    if limit:
        assert early_with_promo == [] and report["counts"]["archive/teasers/documents_recleaned"] >= 1
    else:   # nothing kept, nothing cleaned again: the first pages keep what the table did not know yet
        assert early_with_promo and "Story 0" in early_with_promo


def test_kept_pages_are_copies_on_disk_replaced_per_document_and_read_in_id_order():
    kept = KeptPages()
    first = {"url": "http://x.test/b", "blocks": ["one", "two"], "_fingerprint": ("one\ntwo", "ab", 7)}
    kept["b"] = first
    kept["a"] = {"url": "http://x.test/a", "blocks": []}
    first["blocks"].append("changed after it was kept")
    assert len(kept) == 2 and "a" in kept and "c" not in kept
    assert [(i, p["url"]) for i, p in kept.items()] == [("a", "http://x.test/a"), ("b", "http://x.test/b")]
    assert dict(kept.items())["b"]["blocks"] == ["one", "two"], "kept as it was when kept"
    assert dict(kept.items())["b"]["_fingerprint"] == ("one\ntwo", "ab", 7)
    kept["b"] = {"url": "http://x.test/b?better", "blocks": ["three"]}
    assert len(kept) == 2 and dict(kept.items())["b"]["url"] == "http://x.test/b?better"
    for n in range(250):   # more than one page of reads
        kept[f"z{n:03d}"] = {"n": n}
    assert [i for i, _ in kept.items()][-250:] == [f"z{n:03d}" for n in range(250)]
    kept.close()
    assert len(kept) == 0
