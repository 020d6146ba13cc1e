"""Signals of the news crawler."""

# Sent with urls=[...] (the request URL, its redirects) once a page is safe: filed, spooled,
# skipped or failed for good. A resumed crawl (JOBDIR) does not fetch such pages again.
# links=True: a page done once its links are scheduled (recorded only when the queue is saved).
page_done = object()


def request_urls(request) -> list[str]:
    """The URLs a request stands for: those of the redirects that led to it, then its own."""
    return [*request.meta.get("redirect_urls", ()), request.url]
