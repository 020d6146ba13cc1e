"""WACZ 1.2.0 export: an archive's WARC files, their CDXJ, its pages and a manifest in one ZIP.

    archive wacz OUT.wacz [--crawl ID | --since DATE]

The package (https://specs.webrecorder.net/wacz/1.2.0/), opened by ReplayWeb.page and by pywb
(``wb-manager add COLL OUT.wacz``)::

    archive/<crawl-id>-<n>.warc.gz    the WARC files, as stored (ZIP STORE mode: random access)
    indexes/index.cdx                 their CDXJ lines (cdxj-indexer's, as stored), merged and sorted (the
                                      spec's name: pywb's ``wb-manager add`` looks for ``*.cdx``)
    pages/pages.jsonl                 one line per article version archived in these files: id, url,
                                      ts (the capture's WARC-Date), title, text (from the documents)
    datapackage.json                  profile "wacz", every file's path, bytes and sha256
    datapackage-digest.json           the sha256 of datapackage.json

``--crawl ID`` takes the WARC files of one crawl; ``--since DATE`` those of the crawls started on
or after DATE (from the crawl reports, else the date in the crawl id). The files holding the
original responses that their revisit records refer to come along, so the package replays on
its own. Documents are read once, in id order, to find the pages whose versions live in the
chosen files.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from .archive import Archive, ArchiveError
from .warc import warc_date

WACZ_PROFILE = "wacz"
SOFTWARE = "newsarchive/0.1"
_WARC_KEY = re.compile(r"^warc/(?P<crawl>[A-Za-z0-9][A-Za-z0-9._-]*)-(?P<n>\d{5,})\.warc\.gz$")
_CRAWL_DATE = re.compile(r"^(\d{8}T\d{6}Z)")


class WaczError(ArchiveError):
    """Nothing to package, or a package that could not be written."""


def _crawl_started(crawl_id: str, reports: dict[str, dict]) -> str | None:
    report = reports.get(crawl_id)
    if report and report.get("started_at"):
        return warc_date(report["started_at"])
    m = _CRAWL_DATE.match(crawl_id)
    if m:
        return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def select_warc_files(archive: Archive, *, crawl: str | None = None, since: str | None = None) -> list[str]:
    """The store keys of the WARC files to package, sorted."""
    keys = [k for k in archive.store.list("warc/") if _WARC_KEY.match(k)]
    if crawl:
        keys = [k for k in keys if _WARC_KEY.match(k).group("crawl") == crawl]
        if not keys:
            raise WaczError(f"crawl {crawl} has no WARC files in {archive.uri}")
    if since:
        reports = {r.get("crawl_id"): r for r in archive.iter_reports()}
        floor = warc_date(since if "T" in since else since + "T00:00:00Z")
        keys = [k for k in keys if (_crawl_started(_WARC_KEY.match(k).group("crawl"), reports) or "") >= floor]
    if not keys:
        raise WaczError(f"no WARC files to package in {archive.uri}")
    return sorted(set(keys) | _files_of_originals(archive, keys))


def _files_of_originals(archive: Archive, keys: list[str]) -> set[str]:
    """The other WARC files holding the responses that revisit records in ``keys`` refer to, so
    that the package replays on its own."""
    wanted = set()
    for key in keys:
        for line in _cdxj_lines(archive, key):
            fields = json.loads(line.split(" ", 2)[2])
            if fields.get("mime") == "warc/revisit" and fields.get("digest"):
                wanted.add(fields["digest"])
    extra: set[str] = set()
    if not wanted:
        return extra
    for key in sorted(k for k in archive.store.list("warc/") if _WARC_KEY.match(k) and k not in keys):
        for line in _cdxj_lines(archive, key):
            fields = json.loads(line.split(" ", 2)[2])
            if fields.get("mime") != "warc/revisit" and fields.get("digest") in wanted:
                wanted.discard(fields["digest"])
                extra.add(key)
        if not wanted:
            break
    return extra


def _cdxj_lines(archive: Archive, warc_key: str) -> list[str]:
    key = warc_key[: -len(".warc.gz")] + ".cdxj"
    try:
        return archive.store.get(key).decode("utf-8").splitlines(keepends=True)
    except KeyError:   # KeyNotFound: a file without an index gets none in the package either
        return []


def _iso(ts14: str) -> str:
    return datetime.strptime(ts14, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def pages_for(archive: Archive, warc_keys: list[str], captures: dict[tuple[str, int], str]) -> list[dict]:
    """Page entries for the article versions recorded in these WARC files."""
    chosen = set(warc_keys)
    pages = []
    for doc in archive.iter_documents():
        for i, version in enumerate(doc.get("versions") or ()):
            ref = version.get("warc") or {}
            if ref.get("file") not in chosen:
                continue
            ts14 = captures.get((ref["file"].rsplit("/", 1)[1], int(ref.get("offset", -1))))
            ts = _iso(ts14) if ts14 else warc_date(version.get("fetched_at"))
            page = {"id": f"{doc['id']}-{i + 1}", "url": version.get("url") or doc["url"], "ts": ts,
                    "title": doc.get("title")}
            # the document's text is its latest version's; an earlier one's only if kept with it
            text = doc.get("text") if i == len(doc["versions"]) - 1 else version.get("text")
            if text:
                page["text"] = text
            pages.append(page)
    pages.sort(key=lambda p: (p["ts"], p["url"]))
    return pages


def write_wacz(archive: Archive, out: str | Path, *, crawl: str | None = None, since: str | None = None,
               title: str | None = None) -> dict:
    """Write the WACZ package; returns its datapackage.json (as a dict)."""
    keys = select_warc_files(archive, crawl=crawl, since=since)
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="wacz-") as tmp:
        tmp = Path(tmp)
        resources = []
        cdxj_files, captures = [], {}
        for key in keys:
            name = key.rsplit("/", 1)[1]
            path = tmp / name
            path.write_bytes(archive.store.get(key))
            resources.append(_resource(f"archive/{name}", path))
            lines = _cdxj_lines(archive, key)
            for line in lines:
                _, ts, fields = line.split(" ", 2)
                fields = json.loads(fields)
                captures[(fields.get("filename"), int(fields.get("offset", -1)))] = ts
            cdxj_files.append(lines)
        index = tmp / "index.cdx"
        with open(index, "w", encoding="utf-8") as fh:
            fh.writelines(heapq.merge(*cdxj_files))
        pages = pages_for(archive, keys, captures)
        pages_path = tmp / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n")
            for page in pages:
                fh.write(json.dumps(page, ensure_ascii=False) + "\n")
        resources.append(_resource("indexes/index.cdx", index))
        resources.append(_resource("pages/pages.jsonl", pages_path))
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        package = {
            "profile": WACZ_PROFILE,
            "title": title or f"News archive {archive.uri}" + (f", crawl {crawl}" if crawl else "")
                     + (f", since {since}" if since else ""),
            "description": f"{len(pages)} article pages and every exchange of {len(keys)} WARC files, "
                           f"exported from {archive.uri}.",
            "created": now,
            "modified": now,
            "software": SOFTWARE,
            "resources": resources,
        }
        if pages:
            package["home"] = {"url": pages[0]["url"], "ts": pages[0]["ts"]}
        datapackage = json.dumps(package, indent=2).encode("utf-8")
        digest = json.dumps({"path": "datapackage.json",
                             "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest()}, indent=2).encode()
        partial = out.with_name(f".{out.name}.partial")
        try:
            with zipfile.ZipFile(partial, "w", allowZip64=True) as z:
                for key in keys:
                    name = key.rsplit("/", 1)[1]
                    z.write(tmp / name, f"archive/{name}", compress_type=zipfile.ZIP_STORED)
                z.write(index, "indexes/index.cdx", compress_type=zipfile.ZIP_DEFLATED)
                z.write(pages_path, "pages/pages.jsonl", compress_type=zipfile.ZIP_DEFLATED)
                z.writestr("datapackage.json", datapackage, compress_type=zipfile.ZIP_DEFLATED)
                z.writestr("datapackage-digest.json", digest, compress_type=zipfile.ZIP_DEFLATED)
            shutil.move(partial, out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise WaczError(f"cannot write {out}: {exc}") from None
    return package


def _resource(path: str, local: Path) -> dict:
    h = hashlib.sha256()
    size = 0
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    # a Data Package resource name is lower-case ([-a-z0-9._/]); the path keeps the file name
    return {"name": path.rsplit("/", 1)[1].lower(), "path": path, "hash": "sha256:" + h.hexdigest(), "bytes": size}


__all__ = ["WaczError", "select_warc_files", "write_wacz"]
