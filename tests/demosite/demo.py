"""`make demo`: serve the demo site on 127.0.0.1, crawl it with `scrapy crawl news`, show the archive.

    python -m tests.demosite.demo [--archive demo-archive] [--variant 0]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from .generate import build_site
from .server import start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.demosite.demo", description=__doc__.splitlines()[0])
    ap.add_argument("--archive", default="demo-archive", help="archive URI to crawl into (default: demo-archive)")
    ap.add_argument("--variant", type=int, default=0, choices=(0, 1))
    ap.add_argument("--port", type=int, default=8765,
                    help="port on 127.0.0.1 (default 8765: the same URLs every run, so a second demo is a "
                         "recrawl; 0 picks a free one)")
    args = ap.parse_args(argv)
    site = build_site(variant=args.variant)
    try:
        server = start(site, port=args.port)
    except OSError as exc:
        print(f"port {args.port} is taken ({exc.strerror}); pass --port 0 for a free one", file=sys.stderr)
        return 1
    try:
        print(f"Demo site: {server.base_url}/ ({len(site.articles)} articles); crawling into {args.archive}",
              flush=True)
        crawl = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={server.base_url}/",
                 "-s", f"ARCHIVE_URI={args.archive}", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
                 "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "CONTACT_URL=http://127.0.0.1/demo", "-L", "INFO"]
        code = subprocess.call(crawl, env={**os.environ})
    finally:
        server.stop()
    if code != 0:
        print(f"crawl failed with exit status {code}", file=sys.stderr)
        return code
    for command in (["list"], ["stats"]):
        print(f"\n$ archive --archive {args.archive} {' '.join(command)}", flush=True)
        subprocess.call([sys.executable, "-m", "archive.cli", "--archive", args.archive, *command])
    return 0


if __name__ == "__main__":
    sys.exit(main())
