"""Fingerprints of cleaned article text: exact (sha256) and near-duplicate (64-bit simhash)."""
from __future__ import annotations

import hashlib
import re

import numpy as np

WORD_RE = re.compile(r"\w+", re.UNICODE)
SHINGLE_WORDS = 3


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def shingles(text: str, n: int = SHINGLE_WORDS) -> list[str]:
    """Word n-grams of the lower-cased text (the whole text if it is shorter than n words)."""
    toks = words(text)
    if len(toks) < n:
        return [" ".join(toks)] if toks else []
    return [" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)]


def _blake64(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


def simhash64(text: str) -> int:
    """64-bit simhash over word shingles (blake2b-64 per shingle: faster than simhash's md5).

    The same value as ``simhash.Simhash(shingles(text), f=64, hashfunc=_blake64).value``, computed
    on all the shingles' digests at once (that library loops in Python per shingle: it was the
    largest cost of filing a page)."""
    feats = shingles(text)
    if not feats:
        return 0
    digests = b"".join([hashlib.blake2b(f.encode("utf-8"), digest_size=8).digest() for f in feats])
    ones = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(-1, 64).sum(axis=0)
    return int.from_bytes(np.packbits(ones > len(feats) / 2).tobytes(), "big")


def simhash_hex(value: int) -> str:
    return f"{value:016x}"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
