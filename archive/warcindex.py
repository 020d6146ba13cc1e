"""Which WARC index files the archive holds, found without listing ``warc/``.

``warc/`` grows with the archive (three objects per WARC file: about 15,000 at a million
documents), and a reader that lists it to find the CDXJ and originals files it has not read yet
pays for all of them every time: ``archive show`` spent 0.3 s of its 0.33 s doing that at a million
documents. So each upload of a WARC file (:func:`archive.warc._upload`) ends with one small
immutable segment under ``index/warcs/`` that names its index files and their sizes, written after
the files themselves (a reader that sees a segment can read what it names). Small segments are
merged by size tiers (:func:`archive.indexes.merge_plan`), as the listing's are, so there are at
most ``WARCS_MAX`` small ones plus the large ones, whatever the archive's size: a reader lists
those and reads the ones it has not seen (:meth:`archive.catalog.Catalog.sync_warc_index`).

An archive written before these segments existed has WARC files that no segment names: the
first upload that writes a segment in it names them all in one more segment (one LIST of
``warc/``, once per archive), and a catalogue lists ``warc/`` once, the first time it syncs, for
what was uploaded without a segment before that. ``archive verify`` reports a file no segment
names, and ``archive reindex`` names it.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from .store import KeyNotFound, Store

logger = logging.getLogger(__name__)

WARCS_PREFIX = "index/warcs/"
WARCS_MAX = 32                  # more small segments than this and the next upload merges them...
WARCS_MAX_BYTES = 64 * 1024     # ...unless they are this large (51.5 bytes a file at a million
                                # documents: about 630 WARC uploads each); an upload merges at most 128 KiB


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def segment_key(name: str) -> str:
    """A new segment's key: the time first, so that key order is the order they were written in."""
    return f"{WARCS_PREFIX}{_stamp()}-{name}.json"


def _put(store: Store, files: dict[str, int], name: str) -> str:
    key = segment_key(name)
    store.put(key, json.dumps(dict(sorted(files.items())), separators=(",", ":")).encode(),
              content_type="application/json")
    return key


def record_upload(store: Store, files: dict[str, int], name: str) -> str:
    """Name the index files of an uploaded WARC file (``key -> size``) in a new segment, then
    merge small segments if there are too many; return the new segment's key."""
    key = _put(store, files, name)
    try:
        listed = segments(store)
        if [k for k, _ in listed] == [key]:
            # The archive's first segment: name what versions before the segments uploaded (one
            # LIST of warc/, once per archive), so that every index file is named from now on.
            name_unnamed(store, listed=listed)
        else:
            compact(store, listed=listed)   # the same listing: one LIST per upload
    except Exception as exc:  # noqa: BLE001 - the segment is written; the rest can wait for the next upload
        logger.warning("WARC index segments not merged or older files not named (%s): the next upload "
                       "tries again", exc)
    return key


def read_segment(store: Store, key: str) -> dict[str, int] | None:
    """A segment's files (``key -> size``); None if it was merged away since it was listed."""
    try:
        data = json.loads(store.get(key))
    except KeyNotFound:
        return None
    except ValueError as exc:
        raise ValueError(f"WARC index segment {key} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"WARC index segment {key} is not a JSON object")
    return {str(k): int(v) for k, v in data.items()}


def segments(store: Store) -> list[tuple[str, int]]:
    """Every segment, with its size, in key order."""
    return [(k, size) for k, size in store.scan(WARCS_PREFIX) if k.endswith(".json")]


def compact(store: Store, max_segments: int = WARCS_MAX, max_bytes: int = WARCS_MAX_BYTES,
            listed: list[tuple[str, int]] | None = None) -> bool:
    """Merge the smallest segments into one when there are more than ``max_segments`` small
    ones; return whether it did. The merged segment is written before the merged ones are deleted
    (a reader listing in between sees a file twice, with the same size); where two segments name
    a file with different sizes, the later one wins."""
    from .indexes import merge_plan
    plan = merge_plan(segments(store) if listed is None else listed, max_segments, max_bytes)
    if not plan:
        return False
    merged: dict[str, int] = {}
    for key in plan:
        merged.update(read_segment(store, key) or {})
    _put(store, merged, "merged")
    for key in plan:
        store.delete(key)   # gone already if a concurrent merge took it first: not an error
    return True


def named(store: Store, listed: list[tuple[str, int]] | None = None) -> dict[str, int]:
    """Every index file the segments (``listed``, else all) name, with its size (the later
    segment's, where two differ)."""
    files: dict[str, int] = {}
    for key, _ in (segments(store) if listed is None else listed):
        files.update(read_segment(store, key) or {})
    return files


def unnamed(store: Store, listed: list[tuple[str, int]] | None = None) -> dict[str, int]:
    """The CDXJ and originals files under ``warc/`` that no segment names at their size (one
    LIST of ``warc/``): a reader would not find them. For ``archive verify``."""
    known = named(store, listed)
    return {k: size for k, size in store.scan("warc/")
            if k.endswith((".cdxj", ".originals.jsonl")) and known.get(k) != size}


def name_unnamed(store: Store, listed: list[tuple[str, int]] | None = None) -> int:
    """Write one segment naming what :func:`unnamed` finds (``archive reindex``); return how many."""
    files = unnamed(store, listed)
    if files:
        record_upload(store, files, "reindex")
    return len(files)
