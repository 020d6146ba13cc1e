"""Crawl throughput: the product next to the simplest Scrapy spiders, on one generated site.

    python benchmarks/crawl.py --pages 2000            # N article pages (+ listings, aliases)
    python benchmarks/crawl.py --pages 20000 --concurrency 16

Generates a site of N distinct articles (teaser cards to other articles, ``/index.php/...`` and
``?utm_source=...`` aliases, paginated section listings), serves it from nginx when installed
(Debian's ``nginx-light``; ``make bench`` installs it) or else from a threaded Python server, and
runs, one after the other on the same site with the same concurrency:

  (a) Scrapy following links, with a no-op callback;
  (b) Scrapy following links and calling ``trafilatura.extract`` in the callback;
  (c) ``scrapy crawl news`` into a fresh local archive (worker pool, dedup, WARC, documents).

For each: pages/s, articles/s, CPU seconds per page (user+sys, worker processes included), peak
RSS of the crawl's processes summed, and the ratios (c)/(b), (c)/(a). Then the limit that the
measured per-page costs set on this machine's cores, and how close (c) comes to it. Every run
is a separate process; the server's own CPU is not counted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ("news", "opinion", "analysis", "interview", "business")
PER_LISTING = 20

WORDS = textwrap.dedent("""
    government minister border talks agreement region energy pipeline election vote parliament
    reform economy trade corridor security port shipping railway investment bank inflation
    budget court ruling opposition coalition protest journalist media freedom water river
    drought harvest farmers village city mayor council school teachers students university
    research health hospital doctors vaccine climate summit delegation treaty ceasefire
    mediator refugees returnees housing market prices wages workers union strike factory
    exports imports gas oil electricity grid solar wind dam bridge highway airport tourism
    museum festival culture language history monument church mosque heritage archive
    """).split()


# -- the site --------------------------------------------------------------------------------
def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 22))]
    return " ".join(words).capitalize() + "."


def generate_site(root: Path, n: int, seed: int = 7) -> dict:
    """Static files under ``root``; returns counts and the article paths."""
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize() + f" ({i})"
        slug = f"story-{i:06d}"
        paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(3, 6))) for _ in range(rng.randint(6, 11))]
        day = 1 + i % 28
        articles.append({"path": f"/{section}/{slug}", "section": section, "title": title, "paragraphs": paragraphs,
                         "published": f"2026-{1 + (i // 28) % 12:02d}-{day:02d}", "lead": paragraphs[0][:160]})

    def layout(title, main, og_type="website", extra_head=""):
        nav = "".join(f'<li><a href="/{s}">{s.title()}</a></li>' for s in SECTIONS)
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Bench Times</title>'
                f'<meta property="og:type" content="{og_type}"><meta property="og:site_name" content="Bench Times">'
                f'{extra_head}</head><body><header><a href="/">Bench Times</a><nav><ul>{nav}</ul></nav></header>'
                f'<main>{main}</main><footer><p>Bench Times, a generated news site for benchmarks.</p>'
                f'<a href="/about">About</a></footer></body></html>')

    def card(a):
        return (f'<div class="card"><h3><a href="{a["path"]}">{a["title"]}</a></h3><p>{a["lead"]}</p></div>')

    def write(path: str, html: str):
        target = root / path.lstrip("/") if path != "/" else root / "index.html"
        if path.endswith("/") and path != "/":
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")

    pages = 0
    for i, a in enumerate(articles):
        related = [articles[(i + k * 7919) % n] for k in (1, 2, 3) if n > 3]
        popular = [articles[(i * 31 + k) % n] for k in (5, 6, 7, 8) if n > 8]
        body = "".join(f"<p>{p}</p>" for p in a["paragraphs"])
        head = (f'<meta property="article:published_time" content="{a["published"]}T08:00:00Z">'
                f'<link rel="canonical" href="{a["path"]}">')
        main = (f'<article><h1>{a["title"]}</h1><time datetime="{a["published"]}">{a["published"]}</time>'
                f'<div class="body">{body}</div></article>'
                f'<aside><h2>Related</h2>{"".join(card(r) for r in related)}</aside>'
                f'<aside><h2>Most read</h2>{"".join(card(r) for r in popular)}</aside>')
        if i % 10 == 3:   # an alias: a tracking-parameter link to it from another page
            main += f'<p><a href="{articles[(i + 1) % n]["path"]}?utm_source=newsletter">Newsletter pick</a></p>'
        html = layout(a["title"], main, og_type="article", extra_head=head)
        write(a["path"], html)
        pages += 1
        if i % 10 == 5:   # a front-controller copy of the same bytes
            write("/index.php" + a["path"], html)
            main_link = f'<a href="/index.php{a["path"]}">{a["title"]}</a>'
            articles[(i + 2) % n].setdefault("extra_links", []).append(main_link)
            pages += 1
    listings = 0
    for section in SECTIONS:
        arts = [a for a in articles if a["section"] == section]
        chunks = [arts[k:k + PER_LISTING] for k in range(0, len(arts), PER_LISTING)] or [[]]
        for p, chunk in enumerate(chunks):
            nxt = f'<a href="/{section}/page/{p + 2}/">Next</a>' if p + 1 < len(chunks) else ""
            extra = "".join(link for a in chunk for link in a.get("extra_links", ()))
            html = layout(f"{section.title()} page {p + 1}", "".join(card(a) for a in chunk) + extra + nxt)
            write(f"/{section}/" if p == 0 else f"/{section}/page/{p + 1}/", html)
            listings += 1
    home = layout("Home", "".join(card(a) for a in articles[:12]))
    write("/", home)
    write("/about", layout("About", "<p>About this site.</p>"))
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return {"articles": n, "article_pages": pages, "listings": listings + 2,
            "paths": {a["path"] for a in articles}}


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_nginx() -> str | None:
    for path in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if path and os.access(path, os.X_OK):
            return path
    return None


class NginxServer:
    name = "nginx"

    def __init__(self, binary: str, root: Path, workdir: Path):
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "nginx.conf"
        conf.write_text(textwrap.dedent(f"""
            daemon off; worker_processes 1; pid {workdir}/nginx.pid; error_log {workdir}/error.log;
            events {{ worker_connections 1024; }}
            http {{
              access_log off; default_type text/html; charset utf-8; sendfile on; keepalive_requests 100000;
              client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
              fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
              types {{ text/plain txt; }}
              server {{ listen 127.0.0.1:{self.port}; root {root}; index index.html;
                        location / {{ try_files $uri $uri/index.html =404; }} }}
            }}"""))
        self.proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(workdir)], stderr=subprocess.PIPE)
        _wait_port(self.port, self.proc)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class _Handler(SimpleHTTPRequestHandler):
    def guess_type(self, path):
        return "text/plain" if str(path).endswith(".txt") else "text/html; charset=utf-8"

    def log_message(self, *args):
        pass


class PythonServer:
    name = "python ThreadingHTTPServer"

    def __init__(self, root: Path):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _wait_port(port: int, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-500:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server not listening on {port}")


# -- measuring a process tree ----------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except OSError:
        return 0


def run_measured(cmd: list[str], env: dict, log: Path, cwd: Path = REPO) -> dict:
    """Run ``cmd``; wall time, CPU of the whole tree (rusage of reaped children), peak of the
    tree's summed RSS and the main process's own CPU (sampled every 0.1 s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    peak, main_ticks = 0, 0
    while proc.poll() is None:
        tree = _children()
        pids, stack = [], [proc.pid]
        while stack:
            pid = stack.pop()
            pids.append(pid)
            stack.extend(tree.get(pid, ()))
        peak = max(peak, sum(_rss_kb(p) for p in pids))
        main_ticks = max(main_ticks, _cpu_ticks(proc.pid))
        time.sleep(0.1)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}); see {log}:\n{log.read_text()[-3000:]}")
    return {"wall": wall, "cpu": cpu, "peak_rss_mb": peak / 1024, "main_cpu": main_ticks / os.sysconf("SC_CLK_TCK")}


BASELINE_SPIDER = '''
import json, os, re, sys
from urllib.parse import urlsplit
import scrapy
from scrapy.linkextractors import LinkExtractor

MODE = os.environ["BENCH_MODE"]
if MODE == "extract":
    import logging, trafilatura
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


class Baseline(scrapy.Spider):
    name = "baseline"
    custom_settings = {}

    def __init__(self, start=None, **kw):
        super().__init__(**kw)
        self.start_urls = [start]
        self.links = LinkExtractor(unique=True)
        self.pages = self.extracted = 0
        self.articles = set()

    def parse(self, response):
        self.pages += 1
        path = urlsplit(response.url).path
        if re.fullmatch(r"/[a-z]+/story-[0-9]+", path):
            self.articles.add(path)
        if MODE == "extract":
            if trafilatura.extract(response.text, url=response.url):
                self.extracted += 1
        for link in self.links.extract_links(response):
            yield scrapy.Request(link.url, callback=self.parse)

    def closed(self, reason):
        with open(os.environ["BENCH_RESULT"], "w") as f:
            json.dump({"pages": self.pages, "extracted": self.extracted, "articles": len(self.articles)}, f)
'''


def crawl_settings(concurrency: int) -> dict:
    return {"CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "INFO",
            "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False, "LOGSTATS_INTERVAL": 600,
            "USER_AGENT": "newsarchive-bench"}


def run_baseline(mode: str, base: str, concurrency: int, work: Path) -> dict:
    spider = work / "baseline_spider.py"
    spider.write_text(BASELINE_SPIDER)
    result = work / f"baseline-{mode}.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(spider), "-a", f"start={base}/"]
    for k, v in crawl_settings(concurrency).items():
        cmd += ["-s", f"{k}={v}"]
    env = {**os.environ, "BENCH_MODE": mode, "BENCH_RESULT": str(result)}
    # Run outside the repository: no scrapy.cfg, so none of the project's settings or extensions.
    m = run_measured(cmd, env, work / f"baseline-{mode}.log", cwd=work)
    m.update(json.loads(result.read_text()))
    return m


def run_product(base: str, concurrency: int, work: Path, workers: int, paths: set[str], profile=None,
                profile_gil=False) -> dict:
    archive = work / "archive"
    shutil.rmtree(archive, ignore_errors=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={base}/"]
    settings = {**crawl_settings(concurrency), "ARCHIVE_URI": str(archive), "ARCHIVE_SPOOL_DIR": str(work / "spool"),
                "ARCHIVE_WORKERS": workers, "CONTACT_URL": "http://127.0.0.1/bench"}
    settings.pop("USER_AGENT")
    for k, v in settings.items():
        cmd += ["-s", f"{k}={v}"]
    if profile:   # sampled stacks of every thread and worker process, collapsed (flamegraph input)
        cmd = [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")), "record", "--format", "raw",
               "--subprocesses", "--threads", "--rate", "100", "--nonblocking", *(["--gil"] if profile_gil else []),
               "-o", str(profile), "--", *cmd]
    m = run_measured(cmd, {**os.environ, "PYTHONPATH": str(REPO)}, work / "product.log")
    report = json.loads(next((archive / "crawls").glob("*.json")).read_text())
    counts = report["counts"]
    m["pages"] = counts.get("archive/pages", 0)
    m["articles_seen"] = counts.get("archive/articles", 0)
    from urllib.parse import urlsplit
    archived = set()
    for doc_path in (archive / "docs").glob("*.json"):
        doc = json.loads(doc_path.read_text())
        archived.update(urlsplit(u).path for u in [doc["url"], *doc.get("aliases", ())])
        archived.update(urlsplit(u).path.removeprefix("/index.php") for u in doc.get("aliases", ()))
    m["archived"] = len(paths & archived)
    m["missing"] = sorted(paths - archived)[:5]
    m["documents"] = len(list((archive / "docs").glob("*.json")))
    return m


# -- per-page costs --------------------------------------------------------------------------
def page_costs(root: Path, base: str, sample: int = 300) -> dict:
    """In this process, on a sample of article pages: ms of CPU per page for the worker's page
    work, for plain trafilatura.extract, and the pickled sizes/time across the pool boundary."""
    import logging
    import pickle

    import trafilatura

    from crawler.workers import page_work
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    files = sorted(p for p in root.rglob("story-*") if p.is_file() and "index.php" not in p.parts)[:sample]
    bodies = [(base + "/" + str(p.relative_to(root)), p.read_bytes()) for p in files]
    t = time.process_time()
    results = [page_work(url, body, "text/html; charset=utf-8") for url, body in bodies]
    work_ms = (time.process_time() - t) * 1000 / len(bodies)
    t = time.process_time()
    for url, body in bodies:
        trafilatura.extract(body.decode("utf-8"), url=url)
    traf_ms = (time.process_time() - t) * 1000 / len(bodies)
    t = time.process_time()
    sizes = []
    for (url, body), res in zip(bodies, results):
        a = pickle.dumps((page_work, (url, body, "text/html; charset=utf-8", ())), protocol=pickle.HIGHEST_PROTOCOL)
        b = pickle.dumps((True, res), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(a)
        pickle.loads(b)
        sizes.append((len(body), len(a), len(b)))
    pickle_us = (time.process_time() - t) * 1e6 / len(bodies)
    n = len(sizes)
    return {"work_ms": work_ms, "trafilatura_ms": traf_ms, "pickle_us": pickle_us,
            "body_kb": sum(s[0] for s in sizes) / n / 1024, "task_kb": sum(s[1] for s in sizes) / n / 1024,
            "result_kb": sum(s[2] for s in sizes) / n / 1024}


# -- report ----------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages of the generated site")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS for all three")
    parser.add_argument("--workers", type=int, default=0, help="ARCHIVE_WORKERS for (c); 0: one per core")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument("--only", default="abc", help="which runs, e.g. 'c' (default all: abc)")
    parser.add_argument("--keep", action="store_true", help="keep the site and the archive (path printed)")
    parser.add_argument("--profile", metavar="FILE", help="run (c) under py-spy, collapsed stacks to FILE "
                        "(its timings are then not comparable)")
    parser.add_argument("--profile-gil", action="store_true", help="with --profile: only samples of threads "
                        "holding the GIL (CPU spent in Python, not time waiting for the GIL or I/O)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from crawler.workers import default_workers

    cores = default_workers()
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    work.chmod(0o755)   # nginx's worker process runs as another user
    try:
        return _bench(args, cores, work)
    finally:
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _bench(args, cores: int, work: Path) -> int:
    root = work / "site"
    t = time.monotonic()
    site = generate_site(root, args.pages)
    print(f"site: {site['articles']} articles, {site['article_pages']} article pages (with /index.php copies), "
          f"{site['listings']} listings; generated in {time.monotonic() - t:.1f} s")
    nginx = find_nginx() if args.server in ("auto", "nginx") else None
    if args.server == "nginx" and not nginx:
        print("nginx not found (Debian: apt-get install nginx-light, or make bench)", file=sys.stderr)
        return 2
    server = NginxServer(nginx, root, work / "nginx") if nginx else PythonServer(root)
    base = f"http://127.0.0.1:{server.port}"
    print(f"server: {server.name} on {base}; {cores} cores; concurrency {args.concurrency}; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = {}
    try:
        if "a" in args.only:
            rows["a"] = run_baseline("noop", base, args.concurrency, work)
        if "b" in args.only:
            rows["b"] = run_baseline("extract", base, args.concurrency, work)
        if "c" in args.only:
            rows["c"] = run_product(base, args.concurrency, work, args.workers, site["paths"],
                                    profile=os.path.abspath(args.profile) if args.profile else None,
                                    profile_gil=args.profile_gil)
            rows["c"]["articles"] = rows["c"]["archived"]
        costs = page_costs(root, base)
    finally:
        server.stop()
    names = {"a": "(a) scrapy, no-op callback", "b": "(b) scrapy + trafilatura.extract",
             "c": "(c) scrapy crawl news (product)"}
    print(f"\n{'run':34} {'pages':>7} {'articles':>8} {'wall s':>7} {'pages/s':>8} {'articles/s':>10} "
          f"{'CPU ms/page':>11} {'peak RSS MB':>11}")
    for key, r in rows.items():
        r["pages_s"] = r["pages"] / r["wall"]
        r["articles_s"] = r["articles"] / r["wall"]
        r["cpu_ms"] = r["cpu"] * 1000 / max(1, r["pages"])
        print(f"{names[key]:34} {r['pages']:7d} {r['articles']:8d} {r['wall']:7.1f} {r['pages_s']:8.1f} "
              f"{r['articles_s']:10.1f} {r['cpu_ms']:11.2f} {r['peak_rss_mb']:11.0f}")
    if "c" in rows:
        c = rows["c"]
        print(f"\n(c) archived {c['archived']} of {site['articles']} articles in {c['documents']} documents"
              + (f"; missing e.g. {c['missing']}" if c["missing"] else ""))
        for key in ("b", "a"):
            if key in rows:
                print(f"(c)/({key}) articles/s: {c['articles_s'] / rows[key]['articles_s']:.2f}   "
                      f"pages/s: {c['pages_s'] / rows[key]['pages_s']:.2f}")
    print(f"\nper page, measured in-process on {300} article pages: page work (parse once, links, extract) "
          f"{costs['work_ms']:.1f} ms CPU; plain trafilatura.extract {costs['trafilatura_ms']:.1f} ms; "
          f"pickling task+result {costs['pickle_us']:.0f} us for {costs['task_kb']:.1f} KB in "
          f"(body {costs['body_kb']:.1f} KB) and {costs['result_kb']:.1f} KB out")
    if "a" in rows and "c" in rows:
        a, c = rows["a"], rows["c"]
        fetch = a["cpu"] / a["pages"]                       # Scrapy: download, schedule, links
        main = c["main_cpu"] / c["pages"]                    # (c)'s main process: fetch + filing + store
        workers = max(0.0, c["cpu"] - c["main_cpu"]) / c["pages"]   # (c)'s worker processes
        store = max(0.0, main - fetch)
        limit = min(cores / (main + workers), 1 / main) if main else float("nan")
        print(f"per page in (c): main process {main * 1000:.2f} ms CPU (fetch as in (a) {fetch * 1000:.2f} ms, "
              f"filing+store {store * 1000:.2f} ms), workers {workers * 1000:.2f} ms")
        print(f"limit on {cores} cores: min({cores} / {(main + workers) * 1000:.2f} ms, 1 / {main * 1000:.2f} ms "
              f"on the reactor) = {limit:.0f} pages/s; (c) made {c['pages_s']:.0f} pages/s, "
              f"{100 * c['pages_s'] / limit:.0f}% of it")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
