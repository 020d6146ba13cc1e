"""A small WordPress-shaped site for the WARC replay tests, served on 127.0.0.1 (stdlib only).

What WordPress sites do and archives must keep: gzip-encoded bodies (when the client accepts
them), ``/?p=ID`` short links and slash-less permalinks that redirect (301) to the permalink,
a home page, a category listing, a feed, a sitemap that ``robots.txt`` names, a 404 page, and
header names the way PHP and nginx write them (``X-Powered-By``, ``ETag``, ``Link``,
lower-case ``x-pingback``). Every response is kept as sent (``sent[path]``: status line,
header lines, body bytes), so tests can compare what an archive replays with what the server
sent. Bodies are the same bytes at every request (gzip with mtime 0), so a second crawl finds
identical payloads. The feed is sent chunked.
"""
from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")
ARTICLES = [
    (101, "2026/03/02/harbour-authority-approves-new-ferry-terminal", "Harbour authority approves new ferry terminal",
     "2026-03-02T09:15:00+00:00",
     ["The harbour authority voted on Monday to approve a new ferry terminal on the northern quay, "
      "ending four years of planning disputes between the city and the regional operators.",
      "Under the approved plan the terminal will handle up to twelve departures an hour at peak times, "
      "with a covered waiting hall, cycle parking for four hundred bicycles and a new bus interchange.",
      "Residents of the quay district had objected to the first design, which placed the vehicle queue "
      "along a residential street. The revised plan moves the queue onto reclaimed land behind the sea wall.",
      "Construction is expected to begin in the autumn and to last about two years. The authority said "
      "the existing terminal would stay open throughout, with temporary gangways during the final months.",
      "Operators welcomed the decision but warned that fares could rise if the promised regional subsidy "
      "was not confirmed in the spring budget, which the council will debate next month."]),
    (102, "2026/03/03/library-extends-opening-hours-during-exams", "Library extends opening hours during exams",
     "2026-03-03T14:40:00+00:00",
     ["The central library will stay open until midnight on weekdays during the examination period, "
      "the city's culture department announced, after a petition signed by more than three thousand students.",
      "The extra hours will run from the first week of May to the end of June. Two reading rooms on the "
      "second floor will be reserved for silent study, and the café will keep serving until ten.",
      "Staff unions said they had agreed to the change after the department promised to hire temporary "
      "evening staff rather than extend existing shifts, and to review the arrangement in July.",
      "Librarians also plan a series of short workshops on citation tools and research databases, held in "
      "the early evening so that students can attend before their study sessions begin.",
      "The department said the cost, estimated at forty thousand euros, would be covered by savings from "
      "the new lighting system installed across the building last year."]),
    (103, "2026/03/04/regional-orchestra-names-new-conductor", "Regional orchestra names new conductor",
     "2026-03-04T18:05:00+00:00",
     ["The regional symphony orchestra has named a thirty-eight-year-old violinist and conductor as its "
      "new music director, the first woman to hold the post in the orchestra's ninety-year history.",
      "She will take up the position at the start of next season, succeeding a director who led the "
      "ensemble for fourteen years and oversaw its move into the renovated concert hall by the river.",
      "In her first season she plans a cycle of symphonies by composers from the region, alongside "
      "commissions from three young composers and a programme of free concerts in schools and hospitals.",
      "Musicians said they had chosen her after two guest appearances last year, praising her rehearsal "
      "style and her work with youth orchestras in the capital and abroad.",
      "The orchestra's board said the appointment was for five years, with an option to extend, and that "
      "ticket prices for the opening concerts would be frozen at this season's level."]),
]


def _page(title: str, main: str, *, og_type: str = "website", extra_head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title} &#8211; Quay News</title>'
            f'<meta property="og:type" content="{og_type}"><meta property="og:site_name" content="Quay News">'
            f'<link rel="alternate" type="application/rss+xml" title="Quay News Feed" href="/feed/">'
            f'<link rel="stylesheet" id="quay-style-css" href="/wp-content/themes/quay/style.css?ver=6.4" media="all">'
            f'{extra_head}</head><body><header><a href="/">Quay News</a> '
            f'<nav><a href="/category/city/">City</a></nav></header>{main}'
            f'<footer><p>&copy; 2026 Quay News</p></footer></body></html>')


def _article_html(pid, slug, title, published, paragraphs) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = (f'<meta property="article:published_time" content="{published}">'
            f'<link rel="canonical" href="/{slug}/"><link rel="shortlink" href="/?p={pid}">')
    others = "".join(f'<li><a href="/?p={p}">{t}</a></li>' for p, _, t, _, _ in ARTICLES if p != pid)
    main = (f'<main><article><h1>{title}</h1><img src="/wp-content/uploads/2026/03/{pid}.png" alt="">'
            f'<p class="byline">By Staff Reporter, '
            f'<time datetime="{published}">{published[:10]}</time></p>{body}</article>'
            f'<aside><h2>More news</h2><ul>{others}</ul></aside></main>')
    return _page(title, main, og_type="article", extra_head=head)


class WpSite:
    """Routes -> (status, reason, headers, body, compressible)."""

    def __init__(self):
        self.routes: dict[str, tuple] = {}
        html = [("Content-Type", "text/html; charset=UTF-8"), ("X-Powered-By", "PHP/8.2.12"),
                ("x-pingback", "/xmlrpc.php")]
        cards = "".join(f'<article><h2><a href="/{slug}/">{t}</a></h2></article>' for _, slug, t, _, _ in ARTICLES)
        self.routes["/"] = (200, "OK", html + [("Link", '</wp-json/>; rel="https://api.w.org/"')],
                            _page("Home", f"<main>{cards}</main>").encode(), True)
        slashless = "".join(f'<article><h2><a href="/{slug}">{t}</a></h2></article>' for _, slug, t, _, _ in ARTICLES)
        self.routes["/category/city/"] = (200, "OK", html, _page("City", f"<main><h1>City</h1>{slashless}"
                                                                      f'<a href="/missing/">Archives</a></main>').encode(), True)
        for pid, slug, title, published, paragraphs in ARTICLES:
            etag = f'"{pid}-v1"'
            self.routes[f"/{slug}/"] = (200, "OK", html + [("ETag", etag), ("Link", f'</?p={pid}>; rel=shortlink')],
                                        _article_html(pid, slug, title, published, paragraphs).encode(), True)
            self.routes[f"/?p={pid}"] = (301, "Moved Permanently", [("Location", f"/{slug}/"),
                                         ("Content-Type", "text/html; charset=UTF-8"), ("X-Redirect-By", "WordPress")],
                                         b"", False)
            self.routes[f"/{slug}"] = (301, "Moved Permanently", [("Location", f"/{slug}/"),
                                       ("Content-Type", "text/html; charset=UTF-8"), ("X-Redirect-By", "WordPress")],
                                       b"", False)
        items = "".join(f"<item><title>{t}</title><link>/?p={pid}</link></item>" for pid, _, t, _, _ in ARTICLES)
        self.routes["/feed/"] = (200, "OK", [("Content-Type", "application/rss+xml; charset=UTF-8")],
                                 f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                                 f'<title>Quay News</title>{items}</channel></rss>'.encode(), True)
        self.routes["/robots.txt"] = (200, "OK", [("Content-Type", "text/plain; charset=utf-8")],
                                      b"User-agent: *\nDisallow: /wp-admin/\nSitemap: /wp-sitemap.xml\n", False)
        self.routes["/wp-content/themes/quay/style.css?ver=6.4"] = (
            200, "OK", [("Content-Type", "text/css"), ("ETag", '"css-1"')], b"body{font-family:serif}\n" * 40, True)
        for pid, *_ in ARTICLES:
            self.routes[f"/wp-content/uploads/2026/03/{pid}.png"] = (
                200, "OK", [("Content-Type", "image/png")], PNG + bytes([pid]), False)
        self.routes["/missing/"] = (404, "Not Found", html, _page("Page not found", "<main><h1>Oops</h1></main>").encode(), True)


CHUNKED = {"/feed/"}   # sent with Transfer-Encoding: chunked (``sent`` keeps the de-chunked body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def do_GET(self):  # noqa: N802
        srv = self.server
        base = f"http://{self.headers.get('Host')}"
        path = urlsplit(self.path).path + (f"?{urlsplit(self.path).query}" if urlsplit(self.path).query else "")
        with srv.lock:
            srv.received.append({"path": path, "headers": list(self.headers.items())})
        if path == "/wp-sitemap.xml":
            locs = "".join(f"<url><loc>{base}/{slug}/</loc></url>" for _, slug, _, _, _ in ARTICLES)
            route = (200, "OK", [("Content-Type", "application/xml; charset=UTF-8")],
                     f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                     f'sitemap/0.9">{locs}<url><loc>{base}/missing/</loc></url></urlset>'.encode(), False)
        else:
            route = srv.site.routes.get(path) or (404, "Not Found", [("Content-Type", "text/plain")], b"no such page", False)
        status, reason, headers, body, compressible = route
        headers = list(headers)
        if compressible and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        headers = [("Server", "nginx/1.24.0"), ("Date", "Mon, 09 Mar 2026 10:00:00 GMT")] + headers + [
            ("Content-Length", str(len(body)))]
        status_line = f"HTTP/1.1 {status} {reason}"
        if path in CHUNKED:   # two chunks, as PHP's output buffering sends a feed
            headers = [(k, v) for k, v in headers if k != "Content-Length"] + [("Transfer-Encoding", "chunked")]
            half = len(body) // 2
            framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (body[:half], body[half:])) + b"0\r\n\r\n"
        else:
            framed = body
        self.wfile.write(status_line.encode() + b"\r\n" +
                         b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n" + framed)
        with srv.lock:
            srv.sent.setdefault(path, []).append({"status_line": status_line, "headers": headers, "body": body})

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: WpSite):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.lock = threading.Lock()
        self.sent: dict[str, list[dict]] = {}
        self.received: list[dict] = []


class serve:
    """``with serve() as srv: srv.base_url, srv.sent, srv.received``."""

    def __init__(self, site: WpSite | None = None):
        self.httpd = _Server(site or WpSite())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.sent, self.received = self.httpd.sent, self.httpd.received
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
