"""Fingerprints of cleaned article text: exact (sha256) and near-duplicate (64-bit simhash)."""
from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from threading import Lock

import numpy as np

WORD_RE = re.compile(r"\w+", re.UNICODE)
SHINGLE_WORDS = 3
SIMHASH_MEMO = 16384   # texts whose simhash is remembered (by sha256): a crawl's end re-cleans
                       # its documents, mostly to the same text, and would compute it again


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def shingles(text: str, n: int = SHINGLE_WORDS) -> list[str]:
    """Word n-grams of the lower-cased text (the whole text if it is shorter than n words)."""
    toks = words(text)
    if len(toks) < n:
        return [" ".join(toks)] if toks else []
    if n == 3:   # the common case, without a slice per shingle
        return list(map(" ".join, zip(toks, toks[1:], toks[2:])))
    return [" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)]


def _blake64(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


_BLAKE64 = hashlib.blake2b(digest_size=8)   # copied per shingle: cheaper than a new one with options
_memo: OrderedDict[bytes, int] = OrderedDict()
_memo_lock = Lock()


def _simhash64(text: str) -> int:
    feats = shingles(text)
    if not feats:
        return 0
    new = _BLAKE64.copy
    digests = []
    append = digests.append
    for f in feats:
        h = new()
        h.update(f.encode("utf-8"))
        append(h.digest())
    ones = np.unpackbits(np.frombuffer(b"".join(digests), dtype=np.uint8)).reshape(-1, 64).sum(axis=0)
    return int.from_bytes(np.packbits(ones > len(feats) / 2).tobytes(), "big")


def simhash64(text: str) -> int:
    """64-bit simhash over word shingles (blake2b-64 per shingle: faster than simhash's md5).

    The same value as ``simhash.Simhash(shingles(text), f=64, hashfunc=_blake64).value``, computed
    on all the shingles' digests at once (that library loops in Python per shingle: it was the
    largest cost of filing a page). The last ``SIMHASH_MEMO`` texts' values are remembered, by
    their sha256 (a text's sha256 costs a hundredth of its simhash)."""
    key = hashlib.sha256(text.encode("utf-8")).digest()
    with _memo_lock:
        value = _memo.get(key)
        if value is not None:
            _memo.move_to_end(key)
            return value
    value = _simhash64(text)
    with _memo_lock:
        _memo[key] = value
        if len(_memo) > SIMHASH_MEMO:
            _memo.popitem(last=False)
    return value


def simhash_hex(value: int) -> str:
    return f"{value:016x}"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
