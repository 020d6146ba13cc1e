"""Key/value storage behind one small interface, chosen by URI scheme.

An archive is a set of keys (``docs/<id>.json``, ``blobs/sha256/..``) in a store. The local
folder backend is the default; other backends register a scheme in ``STORES`` (as Scrapy's
``FEED_STORAGES`` does) and implement the same methods.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

DEFAULT_ARCHIVE_URI = "archive-data"


class StoreError(Exception):
    """A store could not be opened, read or written."""


class BadArchiveURI(StoreError):
    """The archive URI cannot be understood."""


class KeyNotFound(StoreError, KeyError):
    """A key is not in the store."""

    def __str__(self) -> str:  # KeyError quotes its argument; say it plainly
        return f"no such key: {self.args[0]}"


class Store(ABC):
    """Bytes under ``/``-separated keys. Every write is atomic: a reader sees the old or the new
    value, never part of one. Conditional writes (``put_if_absent``, ``put_if_match``) let
    several writers share a key without losing each other's updates.

    Write methods take ``content_type``, ``content_encoding`` and ``sha256`` (hex digest of the
    data) as keyword options; backends that keep object metadata store them.

    ``requests`` counts the operations made (PUT, GET, HEAD, LIST, DELETE), for crawl reports.
    """

    uri: str

    def __init__(self):
        self.requests: Counter = Counter()
        self._requests_lock = threading.Lock()

    def _count(self, op: str, n: int = 1) -> None:
        with self._requests_lock:
            self.requests[op] += n

    @abstractmethod
    def put(self, key: str, data: bytes, **options) -> None:
        """Write (or overwrite) ``key``."""

    @abstractmethod
    def put_if_absent(self, key: str, data: bytes, **options) -> str | None:
        """Write ``key`` only if it does not exist yet; return its new entity tag, or None if
        it existed."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Read ``key``; raise :class:`KeyNotFound` if it is missing."""

    @abstractmethod
    def get_tagged(self, key: str) -> tuple[bytes, str]:
        """Read ``key`` and its entity tag (an opaque string that changes with every write)."""

    @abstractmethod
    def put_if_match(self, key: str, data: bytes, etag: str, **options) -> str | None:
        """Write ``key`` only if its entity tag is still ``etag``; return the new tag, or None
        if the key changed or is gone."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        ...

    @abstractmethod
    def scan(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """``(key, size in bytes)`` of the keys starting with ``prefix``, in sorted order."""

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, in sorted order."""
        return (key for key, _ in self.scan(prefix))

    def iter_unordered(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix`` in no set order, without holding them all (for scans
        of a million keys: ``verify``)."""
        return self.list(prefix)

    @abstractmethod
    def delete(self, key: str) -> None:
        ...

    def defer_syncs(self) -> None:
        """Let writes return before they are durable, until :meth:`sync` (a crawl's batches:
        many writes, then one wait before any page is reported safe). A no-op where every
        write is durable when it returns (S3)."""

    def sync(self) -> None:
        """Make every write made so far durable (with :meth:`defer_syncs`)."""

    def check(self) -> None:
        """Raise :class:`StoreError` if the store cannot be used (missing, unreachable)."""

    def create(self) -> None:
        """Make the store usable for writing (create the folder or check the bucket)."""

    def check_writes(self) -> None:
        """Raise :class:`StoreError` if writers sharing this store could overwrite each other
        (a service that ignores conditional writes). The local folder honours them by itself."""


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid store key: {key!r}")
    return key


def _fsync_path(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:   # replaced or deleted since: its successor is in the list too
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore(Store):
    """A folder on disk. Atomic writes: a temporary file in the same folder, then rename."""

    SYNC_THREADS = 16   # fsyncs at once in sync(): ext4 commits them together

    def __init__(self, root: str | os.PathLike):
        super().__init__()
        self.root = Path(root).absolute()
        self.uri = self.root.as_uri()
        self._deferred = False
        self._unsynced: list[str] = []   # written, not yet fsync-ed (deferred syncs)
        self._sync_lock = threading.Lock()

    def defer_syncs(self) -> None:
        # An fsync per write costs 7-30 ms on this machine's disk; a batch's hundreds of them
        # issued together at its end cost about as much as a few.
        self._deferred = True

    def _written(self, path: Path) -> None:
        if self._deferred:
            with self._sync_lock:
                self._unsynced.append(str(path))

    def sync(self) -> None:
        with self._sync_lock:
            paths, self._unsynced = self._unsynced, []
        if not paths:
            return
        paths = list(dict.fromkeys(paths))
        try:
            if len(paths) == 1:
                _fsync_path(paths[0])
            else:
                with ThreadPoolExecutor(min(self.SYNC_THREADS, len(paths)), thread_name_prefix="fsync") as pool:
                    list(pool.map(_fsync_path, paths))
        except OSError as exc:
            with self._sync_lock:
                self._unsynced[:0] = paths
            raise StoreError(f"cannot make writes in {self.root} durable: {exc}") from exc

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_check_key(key).split("/"))

    def _write_temp(self, path: Path, data: bytes) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if not self._deferred:
                    os.fsync(fh.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
        return tmp

    def _replace(self, path: Path, data: bytes) -> None:
        tmp = self._write_temp(path, data)
        try:
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        self._written(path)

    def put(self, key, data, **options):
        self._count("PUT")
        self._replace(self._path(key), data)

    def put_if_absent(self, key, data, **options):
        self._count("PUT")
        path = self._path(key)
        if path.exists():
            return None
        tmp = self._write_temp(path, data)
        try:
            os.link(tmp, path)  # fails if the name exists: the atomic create-if-absent
        except FileExistsError:
            return None
        finally:
            os.unlink(tmp)
        self._written(path)
        return _etag(data)

    def get(self, key):
        self._count("GET")
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise KeyNotFound(key) from None

    def get_tagged(self, key):
        data = self.get(key)
        return data, _etag(data)

    def put_if_match(self, key, data, etag, **options):
        self._count("PUT")
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # One writer at a time per key: an exclusive lock on a sidecar file, then compare and swap.
        with open(path.parent / f".{path.name}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = path.read_bytes()
            except FileNotFoundError:
                return None
            if _etag(current) != etag:
                return None
            self._replace(path, data)
            return _etag(data)

    def exists(self, key):
        self._count("HEAD")
        return self._path(key).is_file()

    def scan(self, prefix=""):
        self._count("LIST")
        base = self.root
        # Walk only the deepest folder the prefix names fully.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = base.joinpath(*folder.split("/")) if folder else base
        if not start.is_dir():
            return iter(())
        keys = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            rel = Path(dirpath).relative_to(base).as_posix()
            for name in filenames:
                if name.startswith(".") and name.endswith((".tmp", ".lock")):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    try:
                        keys.append((key, os.path.getsize(os.path.join(dirpath, name))))
                    except FileNotFoundError:   # deleted (or renamed) by another writer meanwhile
                        continue
        return iter(sorted(keys))

    def iter_unordered(self, prefix=""):
        self._count("LIST")
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        stack = [(start, folder)]
        while stack:
            path, rel = stack.pop()
            try:
                entries = os.scandir(path)
            except (FileNotFoundError, NotADirectoryError):
                continue
            with entries:
                for entry in entries:
                    key = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if key.startswith(prefix) or prefix.startswith(key + "/"):
                            stack.append((entry.path, key))
                    elif key.startswith(prefix) and not (entry.name.startswith(".")
                                                         and entry.name.endswith((".tmp", ".lock"))):
                        yield key

    def delete(self, key):
        self._count("DELETE")
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def check(self):
        if not self.root.is_dir():
            raise StoreError(f"archive not found: {self.root} is not a folder")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise StoreError(f"archive not readable: {self.root}")

    def create(self):
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create archive folder {self.root}: {exc.strerror}") from exc
        if not os.access(self.root, os.W_OK):
            raise StoreError(f"archive folder is not writable: {self.root}")


def _etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _local_from_uri(uri: str, **options) -> LocalStore:
    """A folder store; ``options`` (meant for other backends) do not apply and are ignored."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise BadArchiveURI(f"file URIs must name a local absolute path, got {uri!r}")
        return LocalStore(unquote(parsed.path))
    return LocalStore(uri)


# scheme -> factory(uri, **options) -> Store; backends for other schemes add themselves here.
STORES = {
    "": _local_from_uri,
    "file": _local_from_uri,
}


def open_store(uri: str | None, **options) -> Store:
    """The store for an archive URI: ``s3://bucket/prefix``, ``file:///abs/path`` or a path.

    ``options`` go to the backend's factory (for S3: credentials, endpoint, timeouts; see
    :meth:`archive.s3store.S3Store.from_uri`); the local folder backend ignores them."""
    uri = (uri or "").strip() or DEFAULT_ARCHIVE_URI
    scheme = urlparse(uri).scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a scheme
        scheme = ""
    factory = STORES.get(scheme)
    if factory is None:
        known = ", ".join(sorted(s + "://" for s in STORES if s))
        raise BadArchiveURI(f"unsupported archive URI scheme {scheme!r} in {uri!r} (known: {known}, or a folder path)")
    return factory(uri, **options)


def _s3_from_uri(uri: str, **options) -> Store:
    from .s3store import S3Store  # imported on use: boto3 loads only for s3:// archives

    return S3Store.from_uri(uri, **options)


STORES["s3"] = _s3_from_uri
