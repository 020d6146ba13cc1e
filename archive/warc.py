"""WARC 1.1 output (warcio) and a CDXJ index per WARC file.

Keys written (the same on every store backend):
    warc/<crawl-id>-<n:05d>.warc.gz   WARC 1.1, one gzip member per record, opened by a warcinfo
    warc/<crawl-id>-<n:05d>.cdxj      pywb-style CDXJ index of its response/revisit records, sorted

    warc/<crawl-id>-<n:05d>.originals.jsonl   the first response record of each non-empty payload
                                      digest in the file (digest, uri, date, record id), so that a
                                      later crawl's revisit records can name the record they refer
                                      to; only for a file that holds such a record (the WARC file
                                      of an unchanged recrawl holds revisits only, and has none)

Each fetch is a ``request`` record followed by a ``response`` record (new payload) or a
``revisit`` record (identical-payload-digest profile: payload already archived, naming the
original response record by ``WARC-Refers-To``, ``-Target-URI`` and ``-Date``), linked both ways
with ``WARC-Concurrent-To``. Digests are sha256 in warcio's form, ``sha256:<BASE32>`` (RFC 4648
base32 of the raw digest, with padding): see :func:`warc_digest` and :func:`digest_hex`.

HTTP header blocks are written byte for byte as given: header names and values may be passed as
``bytes`` (as received) and are never re-cased or re-encoded. Credentials are never written:
``Authorization``, ``Proxy-Authorization`` and ``Cookie`` request headers are dropped, and user
information is removed from target URIs (:data:`CREDENTIAL_HEADERS`).

The CDXJ index is cdxj-indexer's (the indexer pywb's own tools use): SURT keys from the ``surt``
package, the same fields, sorted, byte for byte what ``cdxj-indexer --sort FILE`` prints.

Files are written to a local spool folder first and uploaded when they reach ``max_file_size``,
when a batch of documents naming them is about to be written (:meth:`WarcWriter.ensure_stored`)
or on :meth:`WarcWriter.close`; :func:`recover_spool` uploads what a crawl that died left behind.

>>> w = WarcWriter(store, "crawl-1", spool_dir="/tmp/spool")           # doctest: +SKIP
>>> ref = w.write_response(url=..., fetched_at="2026-01-05T10:00:00Z", status=200, reason="OK",
...                        response_headers=[...], body=b"...", request_headers=[...])  # doctest: +SKIP
>>> w.close()                                                           # doctest: +SKIP
['warc/crawl-1-00001.warc.gz']
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import socket
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import surt as _surt
import warnings
with warnings.catch_warnings():   # its AMF support imports pkg_resources, which warns on import
    warnings.simplefilter("ignore")
    from cdxj_indexer.main import CDXJIndexer
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from .store import Store, StoreError
from .warcindex import record_upload

log = logging.getLogger(__name__)

WARC_VERSION = "1.1"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
WARC_CONTENT_TYPE = "application/warc"
CDXJ_CONTENT_TYPE = "text/plain; charset=utf-8"
ORIGINALS_CONTENT_TYPE = "application/x-ndjson"
EMPTY_PAYLOAD_DIGEST = "sha256:" + base64.b32encode(hashlib.sha256(b"").digest()).decode("ascii")
CRAWL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Request headers that carry credentials: never written to a WARC file (dropped, not redacted).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


@dataclass(frozen=True)
class WarcRef:
    """Where a response/revisit record sits: its gzip member in a WARC file of the store."""
    file: str    # store key, e.g. "warc/<crawl-id>-00001.warc.gz"
    offset: int  # of the record's gzip member
    length: int  # compressed length of that member


class WarcError(StoreError):
    """WARC files could not be written or uploaded."""


# ---------------------------------------------------------------------------------------------
# digests, dates, SURT

def warc_digest(sha256_hex: str) -> str:
    """The ``WARC-Payload-Digest`` value for a sha256 hex digest: ``sha256:<BASE32>``, the form
    warcio writes."""
    raw = bytes.fromhex(sha256_hex)
    if len(raw) != 32:
        raise ValueError(f"not a sha256 hex digest: {sha256_hex!r}")
    return "sha256:" + base64.b32encode(raw).decode("ascii")


def digest_hex(value: str) -> str:
    """The hex digest of a WARC digest value (``sha256:<base32>`` or ``sha256:<hex>``)."""
    algo, _, encoded = value.partition(":")
    if not encoded:
        raise ValueError(f"not a labelled digest: {value!r}")
    if re.fullmatch(r"[0-9a-fA-F]+", encoded) and len(encoded) == 2 * hashlib.new(algo).digest_size:
        return encoded.lower()
    encoded = encoded.upper()
    return base64.b32decode(encoded + "=" * (-len(encoded) % 8)).hex()


def _parse_date(value) -> datetime:
    """ISO 8601 (``2026-01-05T10:00:00Z``), a 14-digit timestamp or a datetime -> aware UTC."""
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{14}", text):
            dt = datetime.strptime(text, "%Y%m%d%H%M%S")
        else:
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def warc_date(value) -> str:
    """A WARC-Date: UTC, ``YYYY-MM-DDThh:mm:ssZ``, with microseconds only when there are some."""
    dt = _parse_date(value)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp14(value) -> str:
    return _parse_date(value).strftime("%Y%m%d%H%M%S")


def surt(url: str) -> str:
    """The SURT sort key of a URL, from the ``surt`` package as pywb and cdxj-indexer compute it:
    ``http://www.Example.com:8080/a/b/?y=2&x=1`` -> ``com,example:8080)/a/b?x=1&y=2``."""
    try:
        return _surt.surt(url)
    except Exception:  # noqa: BLE001 - cdxj-indexer keys such a URL by itself too
        return url


def strip_userinfo(url: str) -> str:
    """The URL without ``user:password@``: credentials never go into a WARC-Target-URI."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


# ---------------------------------------------------------------------------------------------
# warcio with sha256 digests

class _Sha256WARCWriter(WARCWriter):
    """warcio's writer, digests in sha256 (warcio hard-codes sha1 in ``_create_digester``)."""

    @staticmethod
    def _create_digester():
        return Digester("sha256")


def _b(value) -> bytes:
    if isinstance(value, bytes):
        return value
    value = str(value)
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _s(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


class _RawHeaders(StatusAndHeaders):
    """An HTTP header block written exactly as given (warcio would re-encode and %-escape it)."""

    def __init__(self, statusline: bytes, headers, *, is_http_request=False):
        self.raw = statusline + b"\r\n" + b"".join(_b(k) + b": " + _b(v) + b"\r\n" for k, v in headers) + b"\r\n"
        super().__init__(_s(statusline), [(_s(k), _s(v)) for k, v in headers],
                         is_http_request=is_http_request)
        if not is_http_request:
            self.protocol, _, self.statusline = self.statusline.partition(" ")

    def compute_headers_buffer(self, header_filter=None):
        self.headers_buff = self.raw


def _http_response_headers(status: int, reason, headers, protocol="HTTP/1.1") -> StatusAndHeaders:
    """The response's status line and headers. ``reason`` None: the standard phrase (when the
    real one is unknown); ``""``: none was sent."""
    if reason is None:
        try:
            reason = HTTPStatus(int(status)).phrase
        except ValueError:
            reason = ""
    statusline = _b(protocol or "HTTP/1.1") + b" " + str(int(status)).encode() + b" " + _b(reason)
    return _RawHeaders(statusline, list(headers))


def without_credentials(headers) -> list:
    return [(k, v) for k, v in headers if _s(k).strip().lower() not in CREDENTIAL_HEADERS]


def _http_request_headers(method: str, url: str, headers, protocol="HTTP/1.1") -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = without_credentials(headers)
    if not any(_s(k).lower() == "host" for k, _ in headers) and parts.netloc:
        headers.append(("Host", parts.netloc.rpartition("@")[2]))
    line = f"{method.upper()} {target} ".encode("latin-1", "replace") + _b(protocol or "HTTP/1.1")
    return _RawHeaders(line, headers, is_http_request=True)


# ---------------------------------------------------------------------------------------------
# CDXJ

class _CDXJIndexer(CDXJIndexer):
    # cdxj-indexer's default record types, kept here: py-wacz appends "warcinfo" to the shared
    # class list when it is imported
    DEFAULT_RECORDS = ["response", "revisit", "resource", "metadata"]


def build_cdxj(path: str | Path) -> bytes:
    """The sorted CDXJ index of a local WARC file: cdxj-indexer's own code, so the lines are
    byte for byte what ``cdxj-indexer --sort`` prints for the file (the filename field is the
    file's base name)."""
    out = io.StringIO()
    indexer = _CDXJIndexer(out, [str(path)], sort=True)
    indexer.process_all()
    return out.getvalue().encode("utf-8")


def build_originals(path: str | Path) -> bytes:
    """JSON Lines, one per payload digest: the first ``response`` record of the file with it
    (``digest``, ``uri``, ``date``, ``id``): what a revisit record names. Empty payloads (a
    redirect, an empty page) are left out: :meth:`WarcWriter.write` never makes a revisit record
    for them. Empty when the file holds no such record."""
    seen, lines = {EMPTY_PAYLOAD_DIGEST}, []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type != "response":
                continue
            h = rec.rec_headers
            digest = h.get_header("WARC-Payload-Digest")
            if not digest or digest in seen:
                continue
            seen.add(digest)
            lines.append(json.dumps({"digest": digest, "uri": h.get_header("WARC-Target-URI"),
                                     "date": h.get_header("WARC-Date"),
                                     "id": h.get_header("WARC-Record-ID")}) + "\n")
    return "".join(lines).encode("utf-8")


def _cdxj_key(warc_key: str) -> str:
    return warc_key[: -len(".warc.gz")] + ".cdxj"


def _originals_key(warc_key: str) -> str:
    return warc_key[: -len(".warc.gz")] + ".originals.jsonl"


class ArchiveOriginals:
    """Payload sha256 -> (uri, WARC-Date, record id) of its first response record in an archive's
    earlier WARC files, read lazily (once) from their ``.originals.jsonl`` files. A WARC file
    without one holds no response record a revisit may name (only revisits, or empty payloads):
    its CDXJ is not read. Never a revisit record."""

    def __init__(self, store: Store):
        self.store = store
        self._map: dict[str, tuple[str, str, str | None]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict:
        found: dict[str, tuple[str, str, str | None]] = {}
        for key in sorted(k for k in self.store.list("warc/") if k.endswith(".originals.jsonl")):
            for line in self.store.get(key).decode("utf-8").splitlines():
                if line.strip():
                    o = json.loads(line)
                    found.setdefault(digest_hex(o["digest"]), (o["uri"], o["date"], o.get("id")))
        return found

    def __call__(self, sha256_hex: str) -> tuple[str, str, str | None] | None:
        with self._lock:
            if self._map is None:
                try:
                    self._map = self._load()
                except (StoreError, ValueError, KeyError) as exc:
                    log.warning("Earlier WARC indexes unreadable (%s): repeated payloads get full records", exc)
                    self._map = {}
            return self._map.get(sha256_hex)


def read_cdxj(store: Store) -> Iterator[dict]:
    """Every CDXJ line of an archive, as ``{"urlkey", "timestamp", "file" (the WARC's store key),
    then the line's own fields (url, mime, status, digest, length, offset, filename; strings)}``."""
    for key in store.list("warc/"):
        if not key.endswith(".cdxj"):
            continue
        warc_key = key[: -len(".cdxj")] + ".warc.gz"
        for line in store.get(key).decode("utf-8").splitlines():
            if not line.strip():
                continue
            urlkey, timestamp, fields = line.split(" ", 2)
            yield {"urlkey": urlkey, "timestamp": timestamp, "file": warc_key, **json.loads(fields)}


# ---------------------------------------------------------------------------------------------
# spool files

def _valid_length(path: str | Path) -> int:
    """Bytes at the start of a spool file made of complete gzip members (the rest is a record
    cut short by a crash, or garbage)."""
    good = offset = 0
    decomp = None
    with open(path, "rb") as fh:
        while True:
            data = fh.read(1 << 16)  # small reads bound the inflated output held at once
            if not data:
                return good
            while data:
                if decomp is None:
                    decomp = zlib.decompressobj(zlib.MAX_WBITS + 16)
                try:
                    decomp.decompress(data)
                except zlib.error:
                    return good
                if not decomp.eof:
                    offset += len(data)
                    break
                offset += len(data) - len(decomp.unused_data)
                good = offset
                data = decomp.unused_data
                decomp = None


def _upload(store: Store, path: Path, key: str) -> None:
    """Upload a finished spool file, its CDXJ and originals, name them in a WARC index segment
    (:mod:`archive.warcindex`), then delete the spool file."""
    data = path.read_bytes()
    cdxj = build_cdxj(path)
    originals = build_originals(path)
    store.put(key, data, content_type=WARC_CONTENT_TYPE, sha256=hashlib.sha256(data).hexdigest())
    store.put(_cdxj_key(key), cdxj, content_type=CDXJ_CONTENT_TYPE,
              sha256=hashlib.sha256(cdxj).hexdigest())
    files = {_cdxj_key(key): len(cdxj)}
    if originals:
        store.put(_originals_key(key), originals, content_type=ORIGINALS_CONTENT_TYPE,
                  sha256=hashlib.sha256(originals).hexdigest())
        files[_originals_key(key)] = len(originals)
    # Named last, once they are all stored: readers find new index files here, not by listing warc/.
    record_upload(store, files, key.rsplit("/", 1)[-1].removesuffix(".warc.gz"))
    path.unlink()


def _spool_pattern(crawl_id: str = r"[A-Za-z0-9][A-Za-z0-9._-]*") -> re.Pattern:
    return re.compile(rf"^(?:{crawl_id})-(\d{{5,}})\.warc\.gz$")


def recover_spool(store: Store, spool_dir: str | Path) -> list[str]:
    """Upload the WARC files (and their CDXJ) a crawl left in ``spool_dir`` without closing them.

    A trailing record cut short by a crash is cut off first, so every uploaded file is valid.
    Files still held open by a running writer are skipped; files holding nothing beyond their
    warcinfo record are deleted. Safe to run again. Returns the keys uploaded.
    """
    spool = Path(spool_dir)
    if not spool.is_dir():
        return []
    pattern = _spool_pattern()
    uploaded = []
    for path in sorted(spool.iterdir()):
        if not path.is_file() or not pattern.match(path.name):
            continue
        with open(path, "r+b") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("WARC spool file %s is in use by a running writer; left alone", path)
                continue
            if not path.exists():  # another recover_spool finished it while we waited
                continue
            valid = _valid_length(path)
            size = os.fstat(fh.fileno()).st_size
            if valid < size:
                log.warning("WARC spool file %s: cutting %d bytes of an unfinished record",
                            path, size - valid)
                fh.truncate(valid)
                fh.flush()
                os.fsync(fh.fileno())
            if _record_count(path) <= 1:
                log.info("WARC spool file %s holds no records; deleted", path)
                path.unlink()
                continue
            key = f"warc/{path.name}"
            _upload(store, path, key)
            uploaded.append(key)
    return uploaded


def _record_count(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in ArchiveIterator(fh, no_record_parse=True))


# ---------------------------------------------------------------------------------------------
# the writer

@dataclass
class _OpenFile:
    number: int
    path: Path
    key: str
    fh: io.BufferedWriter
    writer: _Sha256WARCWriter


class WarcWriter:
    """Writes a crawl's fetches as WARC 1.1 files into a store; safe to call from several threads.

    ``lookup_original(payload_sha256_hex) -> (uri, date[, record_id]) | None`` finds the first
    capture of a payload in earlier crawls (:class:`ArchiveOriginals`), for :meth:`write` to make
    revisit records; captures made by this writer are found without it. ``info`` adds fields to
    each file's warcinfo record (``operator``, ``robots``, ``http-header-user-agent``...).
    """

    def __init__(self, store: Store, crawl_id: str, *, spool_dir: str | Path,
                 max_file_size: int = 100 * 2**20, software: str = "newsarchive/0.1",
                 operator: str | None = None,
                 lookup_original: Callable[[str], tuple | None] | None = None,
                 info: dict | None = None):
        if not CRAWL_ID_RE.match(crawl_id or ""):
            raise ValueError(f"crawl id must be letters, digits, '.', '_' or '-': {crawl_id!r}")
        self.store = store
        self.crawl_id = crawl_id
        self.spool_dir = Path(spool_dir)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.max_file_size = max_file_size
        self.software = software
        self.operator = operator
        self.info = dict(info or {})
        self.lookup_original = lookup_original
        self._builder = _Sha256WARCWriter(None, gzip=True, warc_version=WARC_VERSION)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # signalled when an upload ends
        self._uploading = 0
        self._current: _OpenFile | None = None
        self._failed: list[_OpenFile] = []   # rolled files whose upload failed; retried on close
        self._uploaded: list[str] = []
        self._stored: set[str] = set()       # other WARC keys seen in the store (ensure_stored)
        self._firsts: dict[str, tuple[str, str, str]] = {}   # payload sha256 -> first response here
        self._closed = False
        self._next_number = self._first_free_number()

    # -- public ---------------------------------------------------------------------------------

    def write_response(self, *, url: str, fetched_at: str, status: int, reason: str | None,
                       response_headers: list[tuple], body: bytes,
                       request_headers: list[tuple], method: str = "GET", protocol: str = "HTTP/1.1",
                       ip_address: str | None = None) -> WarcRef:
        """A ``request`` + ``response`` record pair; returns where the response record is.
        ``body`` is the payload as transferred (still content-encoded), ``response_headers``
        the headers as received, ``reason`` the reason phrase (None: unknown, the standard one
        is written)."""
        url = strip_userinfo(url)
        date = warc_date(fetched_at)
        response = self._builder.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=_http_response_headers(status, reason, response_headers, protocol),
            warc_headers_dict=self._warc_headers(date, ip_address))
        ref = self._write_pair(url, date, method, request_headers, response, protocol, ip_address)
        sha = hashlib.sha256(body).hexdigest()
        with self._lock:
            self._firsts.setdefault(sha, (url, date, response.rec_headers.get_header("WARC-Record-ID")))
        return ref

    def write_revisit(self, *, url: str, fetched_at: str, status: int, reason: str | None,
                      response_headers: list[tuple], request_headers: list[tuple],
                      payload_sha256: str, refers_to_uri: str, refers_to_date: str,
                      refers_to_id: str | None = None, method: str = "GET", protocol: str = "HTTP/1.1",
                      ip_address: str | None = None, profile: str = REVISIT_PROFILE) -> WarcRef:
        """A ``request`` + ``revisit`` record pair (identical payload digest profile unless
        ``profile`` says otherwise; the block is the HTTP headers only), naming the original
        response record (``refers_to_id``, its URI and date); returns where the revisit is."""
        url = strip_userinfo(url)
        date = warc_date(fetched_at)
        revisit = self._builder.create_revisit_record(
            url, warc_digest(payload_sha256), refers_to_uri, warc_date(refers_to_date),
            http_headers=_http_response_headers(status, reason, response_headers, protocol),
            warc_headers_dict=self._warc_headers(date, ip_address))
        if profile != REVISIT_PROFILE:
            revisit.rec_headers.replace_header("WARC-Profile", profile)
        if refers_to_id:
            revisit.rec_headers.add_header("WARC-Refers-To", refers_to_id)
        return self._write_pair(url, date, method, request_headers, revisit, protocol, ip_address)

    def write_not_modified(self, *, url: str, fetched_at: str, response_headers: list[tuple],
                           request_headers: list[tuple], refers_to_uri: str, refers_to_date: str,
                           payload_sha256: str, status: int = 304, reason: str | None = None,
                           method: str = "GET", protocol: str = "HTTP/1.1", ip_address: str | None = None) -> WarcRef:
        """A conditional request answered ``304 Not Modified``: a ``revisit`` record with the
        server-not-modified profile, naming the last full capture (its URI, date and payload
        digest: the payload the server says is still current)."""
        return self.write_revisit(url=url, fetched_at=fetched_at, status=status, reason=reason,
                                  response_headers=response_headers, request_headers=request_headers,
                                  payload_sha256=payload_sha256, refers_to_uri=refers_to_uri,
                                  refers_to_date=refers_to_date, method=method, protocol=protocol,
                                  ip_address=ip_address, profile=NOT_MODIFIED_PROFILE)

    def write(self, *, url: str, fetched_at: str, status: int, reason: str | None,
              response_headers: list[tuple], request_headers: list[tuple],
              body: bytes, payload_sha256: str | None = None, is_new_payload: bool = False,
              method: str = "GET", protocol: str = "HTTP/1.1", ip_address: str | None = None) -> WarcRef:
        """A response record for a new payload; for a payload captured before (by this writer,
        or in the archive through ``lookup_original``), a revisit record naming that first
        response record. ``is_new_payload=True`` skips the look-up. ``payload_sha256`` is the
        sha256 of ``body`` (the payload as transferred), computed when not given."""
        common = dict(url=url, fetched_at=fetched_at, status=status, reason=reason,
                      response_headers=response_headers, request_headers=request_headers,
                      method=method, protocol=protocol, ip_address=ip_address)
        if not is_new_payload and body:
            payload_sha256 = payload_sha256 or hashlib.sha256(body).hexdigest()
            with self._lock:
                original = self._firsts.get(payload_sha256)
            if original is None and self.lookup_original is not None:
                original = self.lookup_original(payload_sha256)
            if original is not None:
                refers_to_uri, refers_to_date, *rest = original
                return self.write_revisit(payload_sha256=payload_sha256, refers_to_uri=refers_to_uri,
                                          refers_to_date=refers_to_date,
                                          refers_to_id=rest[0] if rest else None, **common)
        return self.write_response(body=body, **common)

    def ensure_stored(self, keys) -> None:
        """Make sure the store holds these WARC files before something names them: the file
        being written is rolled and uploaded now, a failed upload is retried. Raises
        :class:`WarcError` when one is not in the store (it stays in the spool folder)."""
        keys = set(keys)
        with self._lock:
            keys -= set(self._uploaded) | self._stored
            if not keys:
                return
        self._upload_now(lambda key: key in keys)
        with self._lock:
            missing = keys - set(self._uploaded)
        for key in sorted(missing):
            if any(f.key == key for f in self._failed) or not self.store.exists(key):
                raise WarcError(f"WARC file {key} is not in the store yet")
            with self._lock:
                self._stored.add(key)

    def _upload_now(self, wanted) -> None:
        """Upload, now, the current file and the files whose upload failed, if ``wanted(key)``;
        then wait for every upload in flight. A failure leaves the file in ``self._failed``."""
        with self._lock:
            pending = [f for f in self._failed if wanted(f.key)]
            self._failed = [f for f in self._failed if not wanted(f.key)]
            if self._current is not None and wanted(self._current.key):
                pending.append(self._current)
                self._current = None
            self._uploading += len(pending)
        for f in pending:
            try:
                self._upload_file(f)
            except Exception as exc:  # noqa: BLE001 - kept in self._failed for the caller
                log.warning("upload of WARC file %s failed: %s", f.key, exc)
        with self._lock:
            while self._uploading:
                self._idle.wait()

    def files(self) -> list[str]:
        """Keys of the WARC files uploaded so far."""
        with self._lock:
            return list(self._uploaded)

    def close(self) -> list[str]:
        """Finish and upload the current file (and retry failed uploads); return the keys of all
        WARC files written. Raises :class:`WarcError` if some file could not be uploaded (it stays
        in the spool folder for :func:`recover_spool`)."""
        with self._lock:
            self._closed = True
        self._upload_now(lambda key: True)
        with self._lock:
            if self._failed:
                raise WarcError("could not upload WARC files (kept in the spool folder; close() "
                                "again or recover_spool): "
                                + ", ".join(str(f.path) for f in self._failed))
            return list(self._uploaded)

    def abandon(self) -> list[Path]:
        """Give up on files whose upload failed: close them (releasing their locks) and leave
        them in the spool folder for :func:`recover_spool`. Returns their paths."""
        with self._lock:
            left, self._failed = self._failed, []
            if self._current is not None:
                left.append(self._current)
                self._current = None
            self._closed = True
        for f in left:
            if not f.fh.closed:
                f.fh.flush()
                f.fh.close()
        return [f.path for f in left]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- internals ------------------------------------------------------------------------------

    def _first_free_number(self) -> int:
        pattern = _spool_pattern(re.escape(self.crawl_id))
        names = [key.rsplit("/", 1)[1] for key in self.store.list(f"warc/{self.crawl_id}-")]
        names += [p.name for p in self.spool_dir.iterdir()]
        numbers = [int(m.group(1)) for m in map(pattern.match, names) if m]
        return max(numbers, default=0) + 1

    @staticmethod
    def _warc_headers(date: str, ip_address: str | None) -> dict:
        headers = {"WARC-Date": date}
        if ip_address:
            headers["WARC-IP-Address"] = str(ip_address)
        return headers

    def _write_pair(self, url, date, method, request_headers, record, protocol="HTTP/1.1",
                    ip_address=None) -> WarcRef:
        request = self._builder.create_warc_record(
            url, "request", http_headers=_http_request_headers(method, url, request_headers, protocol),
            warc_headers_dict=self._warc_headers(date, ip_address))
        request.rec_headers.add_header(
            "WARC-Concurrent-To", record.rec_headers.get_header("WARC-Record-ID"))
        record.rec_headers.add_header(
            "WARC-Concurrent-To", request.rec_headers.get_header("WARC-Record-ID"))
        # digests (the costly part for large bodies) outside the lock
        self._builder.ensure_digest(request, block=True, payload=True)
        self._builder.ensure_digest(record, block=True, payload=True)

        rolled = None
        with self._lock:
            if self._closed:
                raise WarcError("WARC writer is closed")
            f = self._current or self._open_file()
            f.writer.write_record(request)
            offset = f.fh.tell()
            f.writer.write_record(record)
            end = f.fh.tell()
            ref = WarcRef(f.key, offset, end - offset)
            if end >= self.max_file_size:
                rolled, self._current = f, None
                self._uploading += 1
        if rolled is not None:
            try:
                self._upload_file(rolled)
            except Exception:  # the record is safe in the spool; close() retries, then raises
                log.exception("upload of WARC file %s failed; will retry on close", rolled.key)
        return ref

    def _open_file(self) -> _OpenFile:
        while True:
            number = self._next_number
            self._next_number += 1
            name = f"{self.crawl_id}-{number:05d}.warc.gz"
            path = self.spool_dir / name
            try:
                fh = open(path, "xb")
            except FileExistsError:
                continue
            break
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # recover_spool leaves a live file alone
        writer = _Sha256WARCWriter(fh, gzip=True, warc_version=WARC_VERSION)
        info = OrderedDict([
            ("software", self.software),
            ("format", "WARC File Format 1.1"),
            ("conformsTo", CONFORMS_TO),
            ("hostname", socket.gethostname()),
            ("operator", self.operator),
            ("isPartOf", self.crawl_id),
        ])
        info.update(self.info)
        info = OrderedDict((k, str(v)) for k, v in info.items() if v not in (None, ""))
        writer.write_record(writer.create_warcinfo_record(name, info))
        self._current = _OpenFile(number, path, f"warc/{name}", fh, writer)
        return self._current

    def _upload_file(self, f: _OpenFile) -> None:
        """Upload a finished file (its lock still held, so recover_spool keeps off it)."""
        try:
            f.fh.flush()
            _upload(self.store, f.path, f.key)
        except BaseException:
            with self._lock:
                self._failed.append(f)
            raise
        else:
            f.fh.close()
            with self._lock:
                self._uploaded.append(f.key)
                self._uploaded.sort()
        finally:
            with self._lock:
                self._uploading -= 1
                self._idle.notify_all()
