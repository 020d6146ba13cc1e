"""Monitoring: a crawl that fetched nothing, or failed on most pages, is not "finished": its
report says why, `scrapy crawl` exits 1, and `archive crawls` marks it."""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.crawling import archive_cmd, scrapy_crawl
from tests.demosite import build_site, serve


def dead_port() -> int:
    """A 127.0.0.1 port nothing listens on (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class _LinksToDeadPort(BaseHTTPRequestHandler):
    """A home page whose every link points at a port that refuses connections."""
    dead = 0

    def do_GET(self):  # noqa: N802
        if self.path == "/":
            links = "".join(f'<p><a href="http://127.0.0.1:{self.dead}/news/story-{n}">Story {n}</a></p>'
                            for n in range(6))
            body = f"<html><head><title>Home</title></head><body>{links}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        else:
            body = b"not here"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    archive = str(tmp_path_factory.mktemp("monitoring") / "archive")
    results = {}
    # 1. nothing answers: every request refused
    results["refused"] = scrapy_crawl("news", f"http://127.0.0.1:{dead_port()}/", archive, check=False,
                                      settings={"RETRY_TIMES": "1"})
    # 2. the home page answers, every page it links to is refused
    handler = type("H", (_LinksToDeadPort,), {"dead": dead_port()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        results["most"] = scrapy_crawl("news", f"http://127.0.0.1:{httpd.server_address[1]}/", archive,
                                       check=False, settings={"RETRY_TIMES": "1"})
    finally:
        httpd.shutdown()
        httpd.server_close()
    # 3. a healthy crawl of the demo site
    with serve(build_site(variant=0), port=0) as server:
        results["ok"] = scrapy_crawl("news", server.base_url + "/", archive, check=False)
    return archive, results


def rows(archive, *args):
    code, out, err = archive_cmd("--archive", archive, "crawls", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_refused_crawl_fails_with_exit_status_1(crawls):
    _, results = crawls
    proc = results["refused"]
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "failed_nothing_fetched" in proc.stderr


def test_mostly_failed_crawl_fails(crawls):
    _, results = crawls
    proc = results["most"]
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "failed_most_pages" in proc.stderr


def test_healthy_crawl_exits_0_and_finishes(crawls):
    _, results = crawls
    assert results["ok"].returncode == 0, results["ok"].stderr[-3000:]


def test_archive_crawls_lists_and_marks_failures(crawls):
    archive, _ = crawls
    listed = rows(archive)
    assert [r["finish_reason"] for r in listed] == ["finished", "failed_most_pages", "failed_nothing_fetched"]
    assert [r["failed"] for r in listed] == [False, True, True]
    ok, most, refused = listed
    assert ok["pages"] > 30 and ok["new"] > 10 and ok["errors"] < ok["pages"]
    assert ok["new"] + ok["version"] + ok["alias"] + ok["unchanged"] == ok["articles"]
    assert refused["pages"] == 0 and refused["errors"] >= 1
    assert most["pages"] == 1 and most["errors"] >= 6
    assert all(r["spider"] == "news" and r["job"] is None and r["elapsed_seconds"] > 0 for r in listed)
    assert rows(archive, "--limit", "1") == listed[:1]
    code, out, err = archive_cmd("--archive", archive, "crawls")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("crawl\tspider\tjob")
    assert "FAILED failed_most_pages" in lines[2] and "FAILED failed_nothing_fetched" in lines[3]
    assert "FAILED" not in lines[1] and lines[1].endswith("\tfinished")
