"""Signals of the news crawler."""

# Sent with urls=[...] (the request URL, its redirects) once a page is safe: filed, spooled,
# skipped or failed for good. A resumed crawl (JOBDIR) does not fetch such pages again.
page_done = object()


def request_urls(request) -> list[str]:
    """The URLs a request stands for: those of the redirects that led to it, then its own."""
    return [*request.meta.get("redirect_urls", ()), request.url]
