"""A document's history: the text of each version and a readable diff between two of them.

Version texts are stored as content-addressed text objects (``texts/sha256/ab/<hex>.txt.gz``,
see :meth:`archive.archive.Archive.version_text`)."""
from __future__ import annotations

import difflib

from .archive import Archive, ArchiveError


def version_numbers(doc: dict, a: int | None, b: int | None) -> tuple[int, int]:
    """The two versions to compare: the latest two unless given (1 is the first)."""
    n = len(doc.get("versions") or [])
    if a is None and b is None:
        if n < 2:
            raise ArchiveError(f"document {doc['id']} has only {n} version: nothing to compare")
        return n - 1, n
    if a is None or b is None:
        raise ArchiveError("give two version numbers, or none for the latest two")
    return a, b


def diff_versions(archive: Archive, doc: dict, a: int | None = None, b: int | None = None) -> str:
    """A unified diff, one text block (paragraph) per line, of versions ``a`` and ``b``."""
    a, b = version_numbers(doc, a, b)
    old, new = archive.version_text(doc, a), archive.version_text(doc, b)
    va, vb = doc["versions"][a - 1], doc["versions"][b - 1]
    lines = difflib.unified_diff(old.split("\n"), new.split("\n"), lineterm="", n=1,
                                 fromfile=f"version {a} ({va.get('fetched_at')}, {va.get('url')})",
                                 tofile=f"version {b} ({vb.get('fetched_at')}, {vb.get('url')})")
    return "\n".join(lines)
