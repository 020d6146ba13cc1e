"""Teaser and boilerplate removal on text blocks, with no class names to go by."""
from archive.teasers import SiteBlocks, block_hash, clean, norm

LEAD_A = "Armenian and Azerbaijani diplomats met for a full day of talks and agreed on a timetable for expert meetings."
BODY_A = ["The foreign ministers met in Geneva on Tuesday for a new round of talks on the border, the first "
          "session since the autumn, behind closed doors at a lakeside venue.",
          "Both delegations described the atmosphere as businesslike and agreed to prepare maps of two "
          "disputed sections in the northern part of the frontier before the summer."]
LEAD_B = "Demining teams are returning farmland to use one metre at a time, in work that is dangerous and slow."
BODY_B = ["The morning starts early for the deminers working on the edge of a former front line, with "
          "detectors unloaded and safe lanes marked with tape by seven o'clock.",
          "Funding is a constant worry, because demining is labour-intensive and needs equipment, insurance "
          "and medical support for every team in the field."]


def page(title, lead, body, cards):
    blocks = [title, lead, *body, "Related articles"]
    for t, summary in cards:
        blocks += [t, summary]
    return blocks


def test_card_repeated_on_page_and_known_titles_are_removed():
    table = SiteBlocks()
    a = page("Talks resume", LEAD_A, BODY_A, [("Cleared fields", LEAD_B), ("Cleared fields", LEAD_B)])
    b = page("Cleared fields", LEAD_B, BODY_B, [("Talks resume", LEAD_A)])
    table.observe("http://s/a", a, "Talks resume")
    table.observe("http://s/b", b, "Cleared fields")
    ca = clean(a, title="Talks resume", key="http://s/a", table=table)
    cb = clean(b, title="Cleared fields", key="http://s/b", table=table)
    assert ca.blocks == ["Talks resume", LEAD_A, *BODY_A]
    assert cb.blocks[:4] == ["Cleared fields", LEAD_B, *BODY_B], "own lead kept though it is A's teaser"
    assert LEAD_A not in cb.blocks
    assert {r["teaser_of"] for r in ca.removed if "teaser_of" in r} == {"http://s/b"}
    whys = {r["why"] for r in ca.removed}
    assert "repeated_on_page" in whys


def test_site_boilerplate_needs_several_pages():
    table = SiteBlocks()
    pages = {}
    for n in range(5):
        body = [f"Paragraph number {n} of story {n} tells its own story with enough distinct words {n} here."
                f" More words follow to make it long, story {n}."]
        pages[n] = [f"Story {n}", *body, "Source: the agencies", "Popular", "Subscribe to our newsletter"]
        table.observe(f"http://s/{n}", pages[n], f"Story {n}")
    c = clean(pages[0], title="Story 0", key="http://s/0", table=table)
    assert c.blocks == pages[0][:2]
    assert {r["why"] for r in c.removed} == {"site_boilerplate"}
    fresh = SiteBlocks()
    fresh.observe("http://s/0", pages[0], "Story 0")
    assert clean(pages[0], title="Story 0", key="http://s/0", table=fresh).blocks == pages[0], \
        "one page alone shows nothing is boilerplate"


def test_long_republished_paragraphs_are_not_boilerplate():
    table = SiteBlocks()
    blocks = ["Copy", LEAD_A, *BODY_A]
    for n in range(6):
        table.observe(f"http://s/copy{n}", [f"Copy {n}", LEAD_A, *BODY_A], f"Copy {n}")
    c = clean(blocks, title="Copy", key="http://s/copy0", table=table)
    assert BODY_A[0] in c.blocks and BODY_A[1] in c.blocks


def test_fallback_never_empties_an_article():
    table = SiteBlocks()
    short = ["Short line one here", "Short line two here", "Short line three"]
    for n in range(6):
        table.observe(f"http://s/{n}", short, None)
    c = clean(short, title=None, key="http://s/0", table=table)
    assert c.blocks == short


def test_table_round_trip_and_corruption():
    table = SiteBlocks()
    table.observe("http://s/a", ["Talks resume", LEAD_A, *BODY_A], "Talks resume")
    table.observe("http://s/b", ["Cleared fields", LEAD_B, *BODY_B], "Cleared fields")
    again = SiteBlocks.from_bytes(table.to_bytes())
    assert again == table
    assert again.titles[block_hash("Talks resume")] == "http://s/a"
    table.observe("http://s/a", ["Talks resume", LEAD_A], "Talks resume")
    assert table.freq[block_hash(LEAD_A)] == 1, "a page is counted once however often it is seen"
    import pytest
    with pytest.raises(ValueError):
        SiteBlocks.from_bytes(table.to_bytes()[:-3])
    with pytest.raises(ValueError):
        SiteBlocks.from_bytes(b"garbage")


def test_norm_ignores_case_and_punctuation():
    assert norm("Editor's  choice!") == norm("editor s choice")
