"""A commonspace.eu-style demo news site, generated in code and served on 127.0.0.1.

    from tests.demosite import build_site, serve
    site = build_site(variant=0)
    status, headers, body = site.render("/news", host="127.0.0.1:8000")
    with serve(site) as server:
        ...  # server.base_url, server.requests

Run standalone: ``python -m tests.demosite --port 8000 [--variant 1]``.
"""

from .generate import BAD_PAGES, DEFAULT_HUGE_SIZE, PAGE_SIZE, DemoSite, build_site, link_form
from .server import DemoServer, serve, start

__all__ = ["build_site", "DemoSite", "serve", "start", "DemoServer", "BAD_PAGES",
           "DEFAULT_HUGE_SIZE", "PAGE_SIZE", "link_form"]
