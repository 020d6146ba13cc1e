"""Generated news sites in several CMS template families, with their ground truth.

    from benchmarks.sitegen import FAMILIES, build_site, serve
    site = build_site("drupal", round=0)
    status, headers, body = site.render("/news/some-slug", "127.0.0.1:8000")
    truth = site.truth()
    with serve(site) as server:
        ...  # server.base_url; server.site = build_site("drupal", round=1) for the recrawl
"""
from .families import FAMILIES, HELD_OUT, KNOWN
from .model import Site
from .server import SiteServer, serve


def build_site(family: str, round: int = 0, seed: int = 0) -> Site:
    try:
        cls = KNOWN[family]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(KNOWN)}") from None
    return Site(cls(), round=round, seed=seed)


__all__ = ["FAMILIES", "HELD_OUT", "Site", "SiteServer", "build_site", "serve"]
