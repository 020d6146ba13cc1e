"""python -m tests.demosite --port 8000 [--variant 0] [--huge-size BYTES] [--verbose]"""

from __future__ import annotations

import argparse

from .generate import DEFAULT_HUGE_SIZE, build_site
from .server import start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tests.demosite",
                                 description="Serve the demo news site on 127.0.0.1.")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--variant", type=int, default=0, choices=(0, 1))
    ap.add_argument("--huge-size", type=int, default=DEFAULT_HUGE_SIZE,
                    help="size in bytes of /bad/huge")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)

    site = build_site(variant=args.variant, huge_size=args.huge_size)
    server = start(site, port=args.port, verbose=args.verbose)
    print(f"Demo site (variant {args.variant}) serving at {server.base_url}/ "
          f"- {len(site.articles)} articles. Ctrl-C to stop.", flush=True)
    try:
        while server._thread.is_alive():   # short joins: Ctrl-C is seen within half a second
            server._thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
