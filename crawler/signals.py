"""Signals of the news crawler."""

# Sent with urls=[...] (the request URL, its redirects) once a page is safe: filed, spooled,
# skipped or failed for good. A resumed crawl (JOBDIR) does not fetch such pages again.
page_done = object()
