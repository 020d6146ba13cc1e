"""The WARC files and CDXJ indexes of a real crawl, replayed by a real pywb (PyPI pywb, installed in
.venv-pywb by `make test`), as an archivist would: the bytes the server sent come back.

A WordPress-shaped site (tests/wpsite.py) serving gzip bodies and redirects is crawled twice into
one archive; the second crawl finds identical payloads and writes revisit records. pywb is given
our WARC files and our CDXJ (never its own index) with the README's three commands (`make pywb`
is what `make test` runs first; the config line as written, for the test's archive; `wayback`
on a free port instead of 8080).
"""
from __future__ import annotations

import base64
import gzip
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import wpsite
from tests.crawling import REPO, archive_cmd, scrapy_crawl

PYWB = REPO / ".venv-pywb" / "bin" / "wayback"
WB_MANAGER = REPO / ".venv-pywb" / "bin" / "wb-manager"
WARCIO = Path(sys.executable).parent / "warcio"
ARTICLE = f"/{wpsite.ARTICLES[0][1]}/"
SHORTLINK = f"/?p={wpsite.ARTICLES[0][0]}"
SETTINGS = {"CONCURRENT_REQUESTS_PER_DOMAIN": "2"}


def readme_pywb_commands() -> list[str]:
    """The three commands of the README's "Replay with pywb": what users run is what this runs."""
    text = (REPO / "README.md").read_text()
    block = text.split("### Replay with pywb", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
    assert len(commands) == 3 and commands[0] == "make pywb" and commands[2].startswith(".venv-pywb/bin/wayback ")
    return commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replay")
    archive = tmp / "archive"
    with wpsite.serve() as srv:
        scrapy_crawl("news", srv.base_url + "/", str(archive), settings={**SETTINGS, "ARCHIVE_SPOOL_DIR": str(tmp / "s1")})
        first = {path: list(sent) for path, sent in srv.sent.items()}
        scrapy_crawl("news", srv.base_url + "/", str(archive), settings={**SETTINGS, "ARCHIVE_SPOOL_DIR": str(tmp / "s2")})
        sent = {path: list(s) for path, s in srv.sent.items()}
        base = srv.base_url
    reports = sorted((json.loads(p.read_text()) for p in (archive / "crawls").glob("*.json")),
                     key=lambda r: r["started_at"])
    return {"archive": archive, "base": base, "first": first, "sent": sent, "reports": reports, "tmp": tmp}


def cdxj_lines(archive: Path) -> list[dict]:
    out = []
    for path in sorted((archive / "warc").glob("*.cdxj")):
        for line in path.read_text().splitlines():
            key, ts, fields = line.split(" ", 2)
            out.append({"urlkey": key, "timestamp": ts, **json.loads(fields)})
    return out


def captures(crawled, path: str, crawl_index: int) -> list[dict]:
    """CDXJ lines of one URL written by the first (0) or second (1) crawl."""
    files = {f.split("/")[-1] for f in crawled["reports"][crawl_index]["warc_files"]}
    url = crawled["base"] + path
    return [c for c in cdxj_lines(crawled["archive"]) if c["url"] == url and c["filename"] in files]


def test_every_warc_file_passes_warcio_check(crawled):
    files = sorted((crawled["archive"] / "warc").glob("*.warc.gz"))
    assert len(files) >= 2
    for path in files:
        proc = subprocess.run([str(WARCIO), "check", "-v", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "digest pass" in proc.stdout


def test_every_exchange_is_recorded(crawled):
    urls = {c["url"] for c in cdxj_lines(crawled["archive"])}
    expected = {crawled["base"] + p for p in crawled["sent"]}
    assert expected <= urls, sorted(expected - urls)
    statuses = {c["url"][len(crawled["base"]):]: c["status"] for c in cdxj_lines(crawled["archive"])}
    assert statuses[SHORTLINK] == "301" and statuses["/missing/"] == "404"
    assert statuses["/robots.txt"] == "200" and statuses["/wp-sitemap.xml"] == "200" and statuses["/feed/"] == "200"
    # page requisites are off by default
    assert not [u for u in urls if "/wp-content/" in u]


def test_second_crawl_revisits_name_first_crawl_responses(crawled):
    from warcio.archiveiterator import ArchiveIterator
    ids = {}
    revisits = []
    for path in sorted((crawled["archive"] / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers
                if rec.rec_type == "response":
                    ids[h.get_header("WARC-Record-ID")] = (h.get_header("WARC-Target-URI"), h.get_header("WARC-Date"))
                elif rec.rec_type == "revisit":
                    revisits.append(h)
    second = captures(crawled, ARTICLE, 1)
    assert second and all(c["mime"] == "warc/revisit" for c in second)
    assert revisits
    for h in revisits:
        target = ids.get(h.get_header("WARC-Refers-To"))
        assert target is not None, "a revisit names a response record, never another revisit"
        assert target == (h.get_header("WARC-Refers-To-Target-URI"), h.get_header("WARC-Refers-To-Date"))


@pytest.fixture(scope="module")
def pywb(crawled):
    assert PYWB.exists(), "pywb is installed by `make test` (make pywb) into .venv-pywb"
    root = crawled["tmp"] / "pywb"
    root.mkdir()
    _, config, serve = readme_pywb_commands()
    # the README's config command, for this archive instead of ./archive-data
    subprocess.run(["bash", "-c", config.replace("$PWD/archive-data", str(crawled["archive"]))], cwd=root, check=True)
    assert "index_paths" in (root / "config.yaml").read_text()
    # and the second crawl's WACZ as a collection of its own, the way pywb's manual adds one
    wacz = crawled["tmp"] / "second.wacz"
    code, out, err = archive_cmd("--archive", str(crawled["archive"]), "wacz", str(wacz),
                                 "--crawl", crawled["reports"][1]["crawl_id"])
    assert code == 0, err
    for cmd in (["init", "wacz"], ["add", "--unpack-wacz", "wacz", str(wacz)]):
        subprocess.run([str(WB_MANAGER), *cmd], cwd=root, check=True, capture_output=True)
    port = free_port()
    args = serve.split()
    assert args[1:] == ["-p", "8080", "-b", "127.0.0.1"]
    proc = subprocess.Popen([str(REPO / args[0]), "-p", str(port), "-b", "127.0.0.1"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("pywb did not start: " + proc.stdout.read().decode(errors="replace")[-3000:])
            time.sleep(0.2)
    yield port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def replay(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.mark.parametrize("crawl", [0, 1], ids=["first-crawl-responses", "second-crawl-revisits"])
@pytest.mark.parametrize("path", [ARTICLE, f"/{wpsite.ARTICLES[1][1]}/", SHORTLINK, "/robots.txt", "/feed/"])
def test_raw_replay_returns_the_bytes_the_server_sent(crawled, pywb, path, crawl):
    (capture,) = captures(crawled, path, crawl)[:1]
    assert capture["mime"] == ("warc/revisit" if crawl and path != SHORTLINK else capture["mime"])
    status, headers, body = replay(pywb, f"/news/{capture['timestamp']}id_/{capture['url']}")
    sent = crawled["sent"][path][0]
    assert status == int(sent["status_line"].split()[1])
    assert body == sent["body"]          # byte for byte: gzip stays gzip
    sent_headers = dict(sent["headers"])
    if "Content-Encoding" in sent_headers:
        assert headers.get("content-encoding") == "gzip" and gzip.decompress(body)
    if status == 301:
        assert headers["location"].endswith(sent_headers["Location"])
    assert headers.get("memento-datetime")   # pywb found this very capture
    stamp = time.strptime(headers["memento-datetime"], "%a, %d %b %Y %H:%M:%S GMT")
    assert time.strftime("%Y%m%d%H%M%S", stamp) == capture["timestamp"]


@pytest.mark.parametrize("crawl", [0, 1], ids=["first-crawl", "second-crawl"])
def test_rewritten_replay_of_an_article_shows_its_text(crawled, pywb, crawl):
    (capture,) = captures(crawled, ARTICLE, crawl)[:1]
    status, headers, body = replay(pywb, f"/news/{capture['timestamp']}mp_/{capture['url']}")
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    assert status == 200
    text = body.decode("utf-8")
    assert wpsite.ARTICLES[0][4][1] in text and wpsite.ARTICLES[0][2] in text
    assert "wombat" in text   # rewritten by pywb, not passed through


class _Proxy(BaseHTTPRequestHandler):
    """A forwarding HTTP proxy on 127.0.0.1 that notes the Proxy-Authorization it was sent."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        self.server.auth.append(self.headers.get("Proxy-Authorization"))
        target = urlsplit(self.path)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if not k.lower().startswith("proxy-")}
        conn.request("GET", target.path + (f"?{target.query}" if target.query else ""), headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        self.wfile.write(f"HTTP/1.1 {resp.status} {resp.reason}\r\n".encode() +
                         b"".join(f"{k}: {v}\r\n".encode() for k, v in resp.getheaders()) + b"\r\n" + body)
        conn.close()

    def log_message(self, *args):
        pass


def test_no_record_carries_credentials(tmp_path, monkeypatch):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    proxy.daemon_threads = True
    proxy.auth = []
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("http_proxy", f"http://proxyuser:proxypass@127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        with wpsite.serve() as srv:
            scrapy_crawl("news", srv.base_url + "/", str(tmp_path / "archive"),
                         settings={**SETTINGS, "ARCHIVE_SPOOL_DIR": str(tmp_path / "spool"),
                                   "HTTPAUTH_USER": "siteuser", "HTTPAUTH_PASS": "sitepass",
                                   "HTTPAUTH_DOMAIN": urlsplit(srv.base_url).netloc,
                                   "ARCHIVE_PAGE_REQUISITES": "1"})
            received = list(srv.received)
    finally:
        proxy.shutdown()
        proxy.server_close()
    # the crawl did send both credentials, so the records could have held them
    assert proxy.auth and proxy.auth[0] == "Basic " + base64.b64encode(b"proxyuser:proxypass").decode()
    assert any(k.lower() == "authorization" for r in received for k, _ in r["headers"])
    files = sorted((tmp_path / "archive" / "warc").glob("*.warc.gz"))
    assert files
    secrets = [b"authorization", b"proxypass", b"sitepass", base64.b64encode(b"proxyuser:proxypass").lower(),
               base64.b64encode(b"siteuser:sitepass").lower()]
    requests = 0
    for path in files:
        data = gzip.decompress(path.read_bytes()).lower()
        requests += data.count(b"warc-type: request")
        for secret in secrets:
            assert secret not in data, (path, secret)
    assert requests >= len(received) // 2
    # with ARCHIVE_PAGE_REQUISITES the stylesheet and images are fetched and recorded too
    recorded = {json.loads(line.split(" ", 2)[2])["url"][len(srv.base_url):]
                for path in (tmp_path / "archive" / "warc").glob("*.cdxj") for line in path.read_text().splitlines()}
    assert "/wp-content/themes/quay/style.css?ver=6.4" in recorded
    assert {f"/wp-content/uploads/2026/03/{a[0]}.png" for a in wpsite.ARTICLES} <= recorded


def _wacz(crawled, name: str, *args: str) -> Path:
    out = crawled["tmp"] / name
    code, stdout, err = archive_cmd("--archive", str(crawled["archive"]), "wacz", str(out), *args)
    assert code == 0, err
    return out


def test_wacz_export_is_a_valid_wacz_1_2_0_package(crawled, tmp_path):
    import hashlib
    import zipfile
    out = _wacz(crawled, "all.wacz")
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        infos = {i.filename: i for i in z.infolist()}
        package = json.loads(z.read("datapackage.json"))
        digest = json.loads(z.read("datapackage-digest.json"))
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
        index = z.read("indexes/index.cdx").decode()
        z.extractall(tmp_path / "x")
    warcs = sorted(p.name for p in (crawled["archive"] / "warc").glob("*.warc.gz"))
    assert sorted(n[len("archive/"):] for n in names if n.startswith("archive/")) == warcs
    assert all(infos[f"archive/{w}"].compress_type == zipfile.ZIP_STORED for w in warcs)
    # spec 1.2.0: profile "wacz", resources with path, bytes and hash of every file; the digest file
    assert package["profile"] == "wacz" and "wacz_version" not in package
    assert {"title", "created", "software", "home"} <= set(package)
    listed = {r["path"]: r for r in package["resources"]}
    assert set(listed) == set(names) - {"datapackage.json", "datapackage-digest.json"}
    for path, r in listed.items():
        data = (tmp_path / "x" / path).read_bytes()
        assert r["bytes"] == len(data) and r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert digest == {"path": "datapackage.json",
                      "hash": "sha256:" + hashlib.sha256((tmp_path / "x" / "datapackage.json").read_bytes()).hexdigest()}
    # the index is our CDXJ, every line of it, sorted
    ours = sorted(line for p in (crawled["archive"] / "warc").glob("*.cdxj") for line in p.read_text().splitlines())
    assert index.splitlines() == ours
    # pages: from the documents, with the capture's own timestamp
    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    article = crawled["base"] + ARTICLE
    mine = [p for p in pages[1:] if p["url"] == article]
    assert mine and all(p["title"] == wpsite.ARTICLES[0][2] for p in mine)
    assert wpsite.ARTICLES[0][4][0] in mine[-1]["text"]
    stamps = {c["timestamp"] for c in cdxj_lines(crawled["archive"]) if c["url"] == article}
    assert {p["ts"].replace("-", "").replace(":", "").replace("T", "").rstrip("Z") for p in mine} <= stamps
    # py-wacz's own checks (its version gate knows only 1.1.1; frictionless does not know the
    # "wacz" profile, so the Data Package is checked as a plain data-package)
    from wacz.validate import Validation
    v = Validation(str(out))
    assert v.check_required_contents() == 0
    assert v.check_file_paths() and v.check_file_hashes() and v.check_data_package_hash_and_sig()
    from frictionless import validate
    plain = dict(package, profile="data-package")
    (tmp_path / "x" / "plain.json").write_text(json.dumps(plain))
    report = validate(str(tmp_path / "x" / "plain.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_wacz_crawl_and_since_select_warc_files(crawled):
    import zipfile
    second = crawled["reports"][1]
    out = _wacz(crawled, "second-only.wacz", "--crawl", second["crawl_id"])
    with zipfile.ZipFile(out) as z:
        got = sorted(n for n in z.namelist() if n.startswith("archive/"))
    own = {"archive/" + f.split("/")[-1] for f in second["warc_files"]}
    assert own <= set(got)
    # and the first crawl's files that hold the originals its revisit records refer to
    assert set(got) - own and set(got) - own <= {"archive/" + f.split("/")[-1] for f in crawled["reports"][0]["warc_files"]}
    code, _, err = archive_cmd("--archive", str(crawled["archive"]), "wacz", str(crawled["tmp"] / "none.wacz"),
                               "--crawl", "no-such-crawl")
    assert code == 1 and "no WARC files" in err
    code, _, err = archive_cmd("--archive", str(crawled["archive"]), "wacz", str(crawled["tmp"] / "future.wacz"),
                               "--since", "2999-01-01")
    assert code == 1 and "no WARC files" in err
    everything = _wacz(crawled, "since.wacz", "--since", "2000-01-01")
    with zipfile.ZipFile(everything) as z:
        assert len([n for n in z.namelist() if n.startswith("archive/")]) == len(
            list((crawled["archive"] / "warc").glob("*.warc.gz")))


def test_pywb_replays_the_wacz(crawled, pywb):
    (capture,) = captures(crawled, ARTICLE, 1)[:1]
    status, headers, body = replay(pywb, f"/wacz/{capture['timestamp']}id_/{capture['url']}")
    assert status == 200 and body == crawled["sent"][ARTICLE][0]["body"]


def test_response_records_hold_status_line_and_header_lines_as_sent(crawled):
    """The HTTP block of a response record is the server's status line and header lines, byte for
    byte (names in their case and order: x-pingback, ETag, X-Powered-By), then the payload as
    transferred; the chunked feed's Transfer-Encoding is kept under X-Archive-Orig-."""
    from warcio.archiveiterator import ArchiveIterator
    blocks = {}
    for path in sorted((crawled["archive"] / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh, no_record_parse=True):
                if rec.rec_type == "response":
                    uri = rec.rec_headers.get_header("WARC-Target-URI")
                    blocks.setdefault(uri, rec.raw_stream.read())
    for path in (ARTICLE, SHORTLINK, "/robots.txt", "/missing/"):
        sent = crawled["first"][path][0]
        head = sent["status_line"].encode() + b"\r\n" + b"".join(
            f"{k}: {v}\r\n".encode() for k, v in sent["headers"]) + b"\r\n"
        assert blocks[crawled["base"] + path] == head + sent["body"], path
    feed = blocks[crawled["base"] + "/feed/"]
    assert b"\r\nX-Archive-Orig-Transfer-Encoding: chunked\r\n" in feed
    assert feed.endswith(b"\r\n\r\n" + crawled["first"]["/feed/"][0]["body"])


def test_warcinfo_says_who_crawled_how_and_records_carry_the_server_address(crawled):
    from warcio.archiveiterator import ArchiveIterator
    for path in sorted((crawled["archive"] / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            records = iter(ArchiveIterator(fh))
            info = next(records)
            assert info.rec_type == "warcinfo"
            fields = dict(line.split(": ", 1) for line in info.content_stream().read().decode().splitlines() if line)
            assert fields["operator"] == "http://127.0.0.1/contact"      # CONTACT_URL of the test crawls
            assert fields["hostname"] == socket.gethostname()
            assert fields["robots"] == "classic"
            assert fields["http-header-user-agent"] == "newsarchive/0.1 (+http://127.0.0.1/contact)"
            assert fields["isPartOf"] == path.name.rsplit("-", 1)[0]
            for rec in records:
                assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
