"""Bytes -> text for fetched HTML bodies.

``decode_html`` never raises: precedence is BOM > declared (HTTP) charset >
``<meta charset>`` > auto-detection (strict UTF-8, then charset_normalizer when
installed, else windows-1252), via :func:`w3lib.encoding.html_to_unicode`.
Undecodable bytes become U+FFFD.  When the declared/meta charset produces
replacement characters but another candidate decodes the body cleanly (a server
that says ``utf-8`` for windows-1251 bytes, a stale ``<meta>``), the clean
candidate wins.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_to_unicode, http_content_type_encoding, read_bom, resolve_encoding

try:  # optional: better guesses for undeclared legacy encodings
    from charset_normalizer import from_bytes as _cn_from_bytes
except ImportError:  # pragma: no cover - depends on the environment
    _cn_from_bytes = None

__all__ = ["decode_html", "looks_like_html"]

# charset_normalizer is O(n) with a large constant: look at head + tail only.
_DETECT_HEAD = 48 * 1024
_DETECT_TAIL = 16 * 1024
_FALLBACK_ENCODING = "cp1252"  # WHATWG default for undeclared legacy pages

# Codecs that resolve via codecs.lookup() but must never be applied to a body:
# not text encodings, ASCII-smuggling, or codecs that reject errors="replace".
_UNSAFE_CODECS = frozenset(
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "utf-7", "undefined"}
)


def _safe_codec(name: str | None) -> str | None:
    """Canonical codec name if ``name`` is a usable text encoding, else None."""
    if not name:
        return None
    resolved = resolve_encoding(name)
    if resolved is None:
        return None
    try:
        info = codecs.lookup(resolved)
    except LookupError:
        return None
    # _is_text_encoding is False for bytes-to-bytes codecs (hex, base64, zlib, rot13)
    if not getattr(info, "_is_text_encoding", True) or info.name in _UNSAFE_CODECS:
        return None
    return info.name


_CHARSET_RE = re.compile(r"charset\s*=", re.I)


def _content_type_header(declared: str | None) -> str | None:
    """Normalise ``declared`` (a Content-Type value or a bare charset name) into
    a header w3lib understands; None when it names no usable encoding."""
    if not declared:
        return None
    declared = declared.strip()
    if _CHARSET_RE.search(declared):
        enc = _safe_codec(http_content_type_encoding(declared))
    elif "/" in declared or ";" in declared:  # a Content-Type without charset
        return None
    else:  # a bare charset name
        enc = _safe_codec(declared)
    return f"text/html; charset={enc}" if enc else None


def _strict_ok(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


# Candidate encodings for undeclared pages (WHATWG legacy encodings), most common
# on the web first: the order breaks ties between equally plausible guesses.
_WEB_ENCODINGS = (
    "cp1252", "cp1251", "cp1250", "gb18030", "cp932", "cp949", "big5", "euc_jp",
    "iso2022_jp", "koi8_r", "koi8_u", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "cp874", "cp866", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5",
    "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10", "iso8859_13", "iso8859_14",
    "iso8859_15", "iso8859_16", "mac_roman", "mac_cyrillic",
)  # fmt: skip
_WEB_RANK = {name: i for i, name in enumerate(_WEB_ENCODINGS)}


def _guess_legacy(sample: bytes) -> str | None:
    """charset_normalizer restricted to web encodings; among the least chaotic
    candidates prefer coherence, then web frequency. A more common encoding
    that decodes the sample to the very same text wins (cp1250 vs cp1252 for
    German: identical for ä/ö/ü/ß)."""
    matches = list(_cn_from_bytes(sample, cp_isolation=list(_WEB_ENCODINGS)))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    tier = [m for m in matches if m.chaos <= least + 0.01]
    best = max(tier, key=lambda m: (round(m.coherence, 2), -_WEB_RANK.get(m.encoding, 99)))
    decoded = str(best)
    for name in _WEB_ENCODINGS[: _WEB_RANK.get(best.encoding, 99)]:
        try:
            if sample.decode(name) == decoded:
                return name
        except UnicodeDecodeError:
            continue
    return best.encoding


def _auto_detect(body: bytes) -> str | None:
    """auto_detect_fun for html_to_unicode: strict UTF-8, then charset_normalizer
    (if installed), else windows-1252."""
    if _strict_ok(body, "utf-8"):
        return "utf-8"
    if _cn_from_bytes is not None:
        if len(body) > _DETECT_HEAD + _DETECT_TAIL:
            # cut on line boundaries to avoid splitting multibyte characters
            head = body[:_DETECT_HEAD].rpartition(b"\n")[0] or body[:_DETECT_HEAD]
            tail = body[-_DETECT_TAIL:].partition(b"\n")[2] or body[-_DETECT_TAIL:]
            sample = head + b"\n" + tail
        else:
            sample = body
        guess = _safe_codec(_guess_legacy(sample))
        if guess:
            return guess
    return _FALLBACK_ENCODING


def _decode(header: str | None, body: bytes) -> tuple[str, str] | None:
    try:
        enc, text = html_to_unicode(header, body, default_encoding="utf-8", auto_detect_fun=_auto_detect)
    except (LookupError, UnicodeError):  # a <meta> naming a codec that cannot "replace"
        return None
    if _safe_codec(enc) is None:  # e.g. <meta charset="unicode-escape">
        return None
    return text, enc


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns ``(text, encoding_used)``. Never raises."""
    if isinstance(body, str):  # already text
        return body, "utf-8"
    if not body:
        return "", "utf-8"
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    header = _content_type_header(declared)
    result = _decode(header, body)
    if result is None:
        enc = _auto_detect(body) or "utf-8"
        result = (body.decode(enc, "replace"), enc)
    text, enc = result
    has_bom = read_bom(body)[0] is not None
    if not has_bom and enc.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:4096]:
        # a UTF-16/32 label on 8-bit bytes (no NULs at all) is certainly wrong
        header = None
        result = _decode(None, body)
        if result is None or result[1].startswith(("utf-16", "utf-32")):
            enc = _auto_detect(body) or "utf-8"
            result = (body.decode(enc, "replace"), enc)
        text, enc = result
    elif not has_bom and enc in ("utf-16-be", "utf-16-le"):
        # BOM-less UTF-16: ASCII markup puts the NUL byte first in BE, second in LE
        head = body[:4096]
        swapped = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        if swapped != enc:
            text, enc = body.decode(swapped, "replace"), swapped
    if "\ufffd" in text and not has_bom and not _strict_ok(body, enc):
        # the declared/meta charset does not fit these bytes: prefer a candidate
        # that decodes them cleanly (<meta> when a header was given, then detection)
        candidates = []
        if header is not None:
            from_meta = _decode(None, body)
            candidates.append(from_meta[1] if from_meta else None)
        candidates.append(_auto_detect(body))
        for alt_enc in candidates:
            if alt_enc and alt_enc != enc and _strict_ok(body, alt_enc):
                return body.decode(alt_enc), alt_enc
    return text, enc


# --------------------------------------------------------------------------- sniffing

_NON_HTML_MIME_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_NON_HTML_MIMES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-shockwave-flash",
        "application/wasm",
        "application/javascript",
        "text/javascript",
        "application/json",
        "text/css",
        "text/csv",
        "application/postscript",
        "application/epub+zip",
    }
)
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"PK\x03\x04",  # zip, docx, epub...
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
    b"RIFF",  # webp, wav, avi
    b"OggS",
    b"ID3",
    b"fLaC",
    b"wOFF",
    b"wOF2",
    b"\x00\x00\x01\x00",  # ico
    b"II*\x00",  # tiff
    b"MM\x00*",
    b"%!PS",
    b"\xd0\xcf\x11\xe0",  # OLE (doc, xls)
    b"\x00asm",
    b"FWS",
    b"CWS",
)
_HTML_MARKER_RE = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|meta|title|div|p|article|main|section|"
    rb"script|link|span|table|h[1-6]|a|ul|header|nav|iframe|br|!--)[\s>/]",
    re.I,
)
_SNIFF_BYTES = 64 * 1024


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    """Cheap gate before decoding/parsing: False for empty or binary bodies
    (PDF, images, archives, NUL-heavy data) and clearly non-HTML media types."""
    if not body:
        return False
    if content_type:
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime.startswith(_NON_HTML_MIME_PREFIXES) or mime in _NON_HTML_MIMES:
            return False
    bom_enc, bom = read_bom(body[:4])
    head = body[len(bom) :][:_SNIFF_BYTES] if bom_enc else body[:_SNIFF_BYTES]
    if bom_enc and bom_enc.startswith(("utf-16", "utf-32")):
        # NULs are expected: sniff the decoded text instead
        head = head[: len(head) - len(head) % 4].decode(bom_enc, "replace").encode("utf-8", "replace")
    stripped = head.lstrip()
    if stripped.startswith(_BINARY_MAGIC):
        return False
    if head.count(b"\x00") > len(head) // 100:  # >1% NUL bytes: binary
        return False
    return _HTML_MARKER_RE.search(head) is not None
