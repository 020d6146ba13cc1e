"""A crawl's decision log: every decision with its evidence, streamed to a local JSON-lines file
instead of held in memory, and stored next to the crawl report at the end
(``crawls/<crawl-id>.decisions.jsonl.gz``). The report itself keeps the first ``inline`` decisions,
the count and the log's key, so its size does not grow with the crawl."""
from __future__ import annotations

import gzip
import json
import shutil
import tempfile
import threading
from pathlib import Path

INLINE = 1000   # decisions kept in the report itself


def log_key(crawl_id: str) -> str:
    return f"crawls/{crawl_id}.decisions.jsonl.gz"


class DecisionLog:
    def __init__(self, path: str | Path, *, inline: int = INLINE):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w", encoding="utf-8")
        self._lock = threading.Lock()
        self.inline = inline
        self.head: list[dict] = []
        self.count = 0

    def append(self, decision: dict) -> None:
        line = json.dumps(decision, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._fh.write(line + "\n")
            self.count += 1
            if len(self.head) < self.inline:
                self.head.append(decision)

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        """Every decision so far, read back from the file."""
        with self._lock:
            self._fh.flush()
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

    def gzipped(self) -> bytes:
        """The whole log, gzip-compressed (compressed in a temporary file, not in memory)."""
        with self._lock:
            self._fh.flush()
        with tempfile.TemporaryFile() as tmp:
            with self.path.open("rb") as src, gzip.GzipFile(fileobj=tmp, mode="wb", mtime=0) as gz:
                shutil.copyfileobj(src, gz, 1 << 20)
            tmp.seek(0)
            return tmp.read()

    def close(self, *, remove: bool = True) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.close()
        if remove:
            self.path.unlink(missing_ok=True)
