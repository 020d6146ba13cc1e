"""Decision layers: URL, exact text, simhash candidates confirmed on the text."""
from archive.dedup import ALIAS, NEW, UNCHANGED, VERSION, Deduplicator, UrlIndex, overlap
from archive.fingerprint import simhash64, text_sha256
from archive.neardup import NearDupIndex

INTRO = ("The European Union has taken note of recent developments and reiterates its strong and steadfast "
         "commitment to the sovereignty, independence and territorial integrity of all its partners in the "
         "region, and stands ready to work with governments and civil society in pursuit of shared objectives.")
CLOSING = ("The European Union will continue to follow developments closely and remains fully committed to "
           "supporting the people of the region on their path towards lasting peace, democracy and prosperity.")
MIDDLE_1 = ("The Union welcomes the release of detainees announced yesterday, which allowed several families to "
            "be reunited after months of uncertainty, facilitated with the assistance of the Red Cross.")
MIDDLE_2 = ("The Union has studied the preliminary findings of the observation mission deployed for the municipal "
            "elections, which noted pressure on public sector employees and an uneven playing field.")
ARTICLE = ("Peace talks resumed in Brussels on Monday with both delegations present and a long agenda. " * 3 +
           "The mediators said the agenda covered borders, transport links and the fate of prisoners. " * 3)


def setup(docs):
    urls, near, texts = UrlIndex(), NearDupIndex(k=6), {}
    for doc_id, (url, text) in docs.items():
        fp = simhash64(text)
        urls.set_latest(doc_id, url, text_sha256(text), fp)
        near.add(doc_id, fp)
        texts[doc_id] = text
    return Deduplicator(urls, near, texts.__getitem__)


def decide(d, canonical, text, fetched=None):
    return d.decide(canonical=canonical, fetched_key=fetched or canonical, text=text, text_sha=text_sha256(text),
                    fp=simhash64(text), new_id="n" * 16)


def test_url_layer():
    d = setup({"a" * 16: ("http://s/a", ARTICLE)})
    assert decide(d, "http://s/a", ARTICLE).action == UNCHANGED
    v = decide(d, "http://s/a", ARTICLE + " A new closing sentence was added.")
    assert v.action == VERSION and v.doc_id == "a" * 16 and "distance" in v.evidence


def test_same_text_at_unknown_url_is_an_alias_with_evidence():
    d = setup({"a" * 16: ("http://s/a", ARTICLE)})
    r = decide(d, "http://s/republished", "Republished: talks\n" + ARTICLE)
    assert r.action == ALIAS and r.doc_id == "a" * 16
    assert r.evidence["layer"] == "simhash" and r.evidence["containment"] >= 0.8 and r.evidence["distance"] <= 6


def test_same_template_statements_never_merge():
    one = "\n".join([INTRO, MIDDLE_1, CLOSING])
    two = "\n".join([INTRO, MIDDLE_2, CLOSING])
    d = setup({"a" * 16: ("http://s/one", one)})
    r = decide(d, "http://s/two", two)
    assert r.action == NEW
    ov = overlap(one, two)
    assert 0.3 < ov["containment"] < 0.8


def test_different_articles_are_new():
    d = setup({"a" * 16: ("http://s/a", ARTICLE)})
    assert decide(d, "http://s/b", "\n".join([INTRO, MIDDLE_1])).action == NEW


def test_known_alias_url_never_makes_a_version():
    d = setup({"a" * 16: ("http://s/a", ARTICLE)})
    d.urls.add("a" * 16, "http://s/copy")
    r = decide(d, "http://s/copy", "Republished: " + ARTICLE)
    assert r.action == UNCHANGED and r.evidence["layer"] == "url-alias"


def test_long_shared_template_around_own_paragraphs_is_two_articles():
    """Two statements whose shared template outweighs their own text (containment and Jaccard
    above the thresholds) stay apart because each carries whole paragraphs of its own; the same
    text with one paragraph rewritten, or a paragraph added, is still one article."""
    from archive.dedup import same_article
    template = [INTRO, CLOSING, INTRO.replace("European Union", "Council"), CLOSING.replace("Union", "Council"),
                ARTICLE]
    one = "\n".join([MIDDLE_1, "Detainees were released on Tuesday after a long night of talks in the capital.",
                     *template])
    two = "\n".join([MIDDLE_2, "Observers counted the ballots twice in three districts before they signed off.",
                     *template])
    same, ov = same_article(one, two)
    assert ov["containment"] >= 0.7 and ov["jaccard"] >= 0.5   # shingles alone would merge them
    assert not same and ov["own_paragraphs"] == [2, 2]
    d = setup({"a" * 16: ("http://s/one", one)})
    assert decide(d, "http://s/two", two).action == NEW
    edited = one.replace("after a long night of talks", "after two long nights of talks")
    assert same_article(one, edited)[0]
    added = one + "\nA spokesperson added that further releases were expected before the end of the month."
    assert same_article(one, added)[0]
    assert decide(d, "http://s/one-copy", added).action == ALIAS
