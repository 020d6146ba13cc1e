"""Near-duplicate lookup: which stored keys have a simhash within Hamming distance ``k``.

Exact (the answers equal ``simhash.SimhashIndex``'s), pure Python on compact ``array``s.

Pigeonhole: the fingerprint bits are cut into ``blocks`` blocks (default ``k + 1``), and two
fingerprints within distance ``k`` agree on at least ``blocks - k`` of them. For each choice of
``blocks - k`` blocks there is one table: the fingerprints (``array('Q')``, with their ids in a
parallel ``array('I')``) grouped by a bucket number taken from those blocks' bits only, and a
directory of bucket starts (about one bucket per entry). A lookup reads one bucket per table and
checks it with a popcount. Adds go to a side dict per table (keyed by the blocks' bits), merged
into the arrays in batches; replaced or removed entries stay as garbage (filtered out on lookup)
until a rebuild. Keys are stored once, UTF-8, found through open addressing on their CRC-32.
"""
from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from itertools import accumulate, combinations, repeat
from operator import itemgetter

_MAGIC = b"NDIX"
_VERSION = 1
# magic, version, bits, k, blocks, directory bits, ids, key bytes, key slots
_HEADER = struct.Struct("<4sHBBBB2xQQQ")
_BATCH = 4096  # least adds buffered before a merge (n/64 if more), garbage before a rebuild
_MAX_IDS = (1 << 32) - 1
_U32 = struct.Struct("=I").pack  # native, like array("I")
_GOLDEN = 0x9E3779B97F4A7C15  # multiplicative hashing of several blocks into one bucket number
assert array("Q").itemsize == 8 and array("I").itemsize == 4


class NearDupIndex:
    """Keys with ``bits``-bit fingerprints; ``query`` returns those within distance ``k``."""

    def __init__(self, k: int = 3, bits: int = 64, *, blocks: int | None = None):
        blocks = k + 1 if blocks is None else blocks
        if not 1 <= bits <= 64 or not 0 <= k < blocks <= bits:
            raise ValueError(f"need 1 <= bits <= 64 and 0 <= k < blocks <= bits, "
                             f"got bits={bits}, k={k}, blocks={blocks}")
        self.k, self.bits, self.blocks = k, bits, blocks
        widths = [bits // blocks + (b < bits % blocks) for b in range(blocks)]
        shifts = [bits - w for w in accumulate(widths)]
        self._plan = []  # per table: (mask of its blocks, multiplier, top bit, width)
        for chosen in combinations(range(blocks), blocks - k):
            mask = sum(((1 << widths[b]) - 1) << shifts[b] for b in chosen)
            if len(chosen) == 1:  # bucket: the block's own top bits
                self._plan.append((mask, 1, mask.bit_length(), mask.bit_count()))
            else:  # bucket: top bits of (blocks * _GOLDEN) mod 2**64
                self._plan.append((mask, _GOLDEN, 64, mask.bit_count()))
        self._fps = array("Q")  # id -> fingerprint
        self._offs = array("Q", [0])  # id -> end of its key in _keys
        self._keys = bytearray()  # UTF-8 keys, concatenated
        self._slots = array("I", bytes(4 * 8))  # crc32(key) open addressing: id + 1, 0 = empty
        self._dead: set[int] = set()  # removed ids
        self._garbage = 0  # replaced or removed entries still in the tables
        self._pending = 0  # adds in the side dicts
        self._index()

    def __len__(self) -> int:
        return len(self._fps) - len(self._dead)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        i = self._find(key.encode())[1]
        return i >= 0 and i not in self._dead

    def __repr__(self) -> str:
        return f"NearDupIndex(k={self.k}, bits={self.bits}, blocks={self.blocks}, len={len(self)})"

    def get(self, key: str) -> int | None:
        """The fingerprint filed under ``key``, or None."""
        i = self._find(key.encode())[1]
        return None if i < 0 or i in self._dead else self._fps[i]

    def add(self, key: str, fingerprint: int) -> None:
        """File ``key`` under ``fingerprint``, replacing its previous fingerprint if any."""
        fp, kb = self._check(fingerprint), key.encode()
        slot, i = self._find(kb)
        if i < 0:
            i = self._new_id(kb, fp, slot)
        else:
            if i in self._dead:
                self._dead.discard(i)
            elif self._fps[i] == fp:
                return
            else:
                self._garbage += 1
            self._fps[i] = fp
        for (mask, *_), side in zip(self._plan, self._sides):
            side.setdefault(fp & mask, []).append(i)
        self._pending += 1
        if self._garbage > max(_BATCH, len(self) // 2):
            self._compact()
        elif self._pending >= max(_BATCH, len(self._fps) >> 6):
            self._merge()

    def update(self, items) -> None:
        """``add`` each ``(key, fingerprint)``; many at once are indexed by one sort."""
        items = dict(items)  # a key's last fingerprint wins, as with add
        if len(items) < max(_BATCH, len(self) // 4):
            for key, fp in items.items():
                self.add(key, fp)
            return
        if not self._fps:  # empty: lay the arrays out at once
            kbs = [key.encode() for key in items]
            self._fps = array("Q", map(self._check, items.values()))
            self._keys = bytearray().join(kbs)
            self._offs = array("Q", accumulate(map(len, kbs), initial=0))
            self._rehash(_slots_for(len(kbs)))
        else:
            for key, fp in items.items():
                fp, kb = self._check(fp), key.encode()
                slot, i = self._find(kb)
                if i < 0:
                    self._new_id(kb, fp, slot)
                else:
                    self._dead.discard(i)
                    self._fps[i] = fp
        self._compact()

    def remove(self, key: str) -> None:
        """Forget ``key``; KeyError if it is not there."""
        i = self._find(key.encode())[1]
        if i < 0 or i in self._dead:
            raise KeyError(key)
        self._dead.add(i)
        self._garbage += 1
        if self._garbage > max(_BATCH, len(self) // 2):
            self._compact()

    def query(self, fingerprint: int) -> list[tuple[str, int]]:
        """``(key, distance)`` for each key within distance ``k``, sorted by (distance, key)."""
        q, k, hits = self._check(fingerprint), self.k, set()
        for mask, mul, sh, dm, table, ids, starts, side in self._probes:
            b = q >> sh & dm if mul == 1 else (q & mask) * mul >> sh & dm
            j = starts[b]
            for f in table[j:starts[b + 1]]:
                if (f ^ q).bit_count() <= k:
                    hits.add(ids[j])
                j += 1
            if side:
                hits.update(side.get(q & mask, ()))
        if not hits:
            return []
        # candidates may be stale (replaced or removed): check them against the current state
        fps, keys, offs, dead, found = self._fps, self._keys, self._offs, self._dead, []
        for i in hits:
            d = (fps[i] ^ q).bit_count()
            if d <= k and i not in dead:
                found.append((keys[offs[i]:offs[i + 1]].decode(), d))
        found.sort(key=itemgetter(1, 0))
        return found

    # persistence

    def to_bytes(self) -> bytes:
        """A compact little-endian image (header, arrays, CRC-32). Compacts the index first."""
        if self._dead or self._garbage:
            self._compact()
        elif self._pending:
            self._merge()
        head = _HEADER.pack(_MAGIC, _VERSION, self.bits, self.k, self.blocks, self._dbits,
                            len(self._fps), len(self._keys), len(self._slots))
        parts = [head, _le(self._fps), _le(self._offs), bytes(self._keys), _le(self._slots)]
        for table, ids, starts in zip(self._tables, self._ids, self._starts):
            parts += [_le(table), _le(ids), _le(starts)]
        body = b"".join(parts)
        return body + struct.pack("<I", zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes) -> NearDupIndex:
        """Load a ``to_bytes`` image; ValueError if it is not one, or is truncated or damaged."""
        data = memoryview(data).cast("B")
        if len(data) < _HEADER.size + 4 or bytes(data[:4]) != _MAGIC:
            raise ValueError("not a NearDupIndex image (bad magic or too short)")
        _, version, bits, k, blocks, dbits, n, nkeys, nslots = _HEADER.unpack_from(data)
        if version != _VERSION:
            raise ValueError(f"unsupported NearDupIndex image version {version}")
        try:
            index = cls(k, bits, blocks=blocks)
        except ValueError as e:
            raise ValueError(f"bad NearDupIndex image header: {e}") from None
        index._set_dbits(dbits)
        sizes = [8 * n, 8 * (n + 1), nkeys, 4 * nslots]
        for *_, dm in index._buckets:
            sizes += [8 * n, 4 * n, 4 * (dm + 2)]
        expected = _HEADER.size + sum(sizes) + 4
        if len(data) != expected:
            raise ValueError(f"NearDupIndex image is truncated or has trailing bytes "
                             f"({len(data)} bytes, the header says {expected})")
        if zlib.crc32(data[:-4]) != struct.unpack_from("<I", data, expected - 4)[0]:
            raise ValueError("NearDupIndex image is damaged (checksum mismatch)")
        if nslots < 8 or nslots & (nslots - 1) or 3 * n > 2 * nslots:
            raise ValueError(f"bad NearDupIndex image: {nslots} key slots for {n} keys")
        chunks, pos = [], _HEADER.size
        for size in sizes:
            chunks.append(data[pos:pos + size])
            pos += size
        fps, offs, keys, slots, *tables = chunks
        index._fps, index._offs = _from_le("Q", fps), _from_le("Q", offs)
        index._keys, index._slots = bytearray(keys), _from_le("I", slots)
        index._tables = [_from_le("Q", t) for t in tables[0::3]]
        index._ids = [_from_le("I", t) for t in tables[1::3]]
        index._starts = [_from_le("I", t) for t in tables[2::3]]
        if index._offs[0] or index._offs[-1] != nkeys or any(s[-1] != n for s in index._starts):
            raise ValueError("bad NearDupIndex image: inconsistent offsets")
        index._link()
        return index

    # internals

    def _check(self, fp: int) -> int:
        if not 0 <= fp < 1 << self.bits:
            raise ValueError(f"fingerprint {fp!r} is not a {self.bits}-bit unsigned int")
        return fp

    def _find(self, kb: bytes) -> tuple[int, int]:
        """(slot, id) of a key, or (its free slot, -1)."""
        slots, offs, keys = self._slots, self._offs, self._keys
        mask = len(slots) - 1
        h = zlib.crc32(kb) & mask
        while s := slots[h]:
            if keys[offs[s - 1]:offs[s]] == kb:
                return h, s - 1
            h = (h + 1) & mask
        return h, -1

    def _new_id(self, kb: bytes, fp: int, slot: int) -> int:
        i = len(self._fps)
        if i >= _MAX_IDS:
            raise OverflowError(f"NearDupIndex holds at most {_MAX_IDS} ids")
        self._fps.append(fp)
        self._keys += kb
        self._offs.append(len(self._keys))
        self._slots[slot] = i + 1
        if 3 * (i + 1) > 2 * len(self._slots):
            self._rehash(2 * len(self._slots))
        return i

    def _rehash(self, size: int) -> None:
        slots, mask, keys, offs = array("I", bytes(4 * size)), size - 1, self._keys, self._offs
        for i in range(len(self._fps)):
            h = zlib.crc32(keys[offs[i]:offs[i + 1]]) & mask
            while slots[h]:
                h = (h + 1) & mask
            slots[h] = i + 1
        self._slots = slots

    def _set_dbits(self, dbits: int) -> None:
        """Number buckets with ``dbits`` bits (fewer if a table's blocks have fewer)."""
        self._dbits = dbits
        self._buckets = [(mask, mul, top - min(dbits, width), (1 << min(dbits, width)) - 1)
                         for mask, mul, top, width in self._plan]

    def _index(self) -> None:
        """Rebuild every table from the fingerprints, with about one bucket per entry."""
        fps = self._fps
        n = len(fps)
        self._set_dbits(max(0, n.bit_length() - 1))
        self._tables, self._ids, self._starts = [], [], []
        self._sides = [{} for _ in self._plan]
        for mask, mul, sh, dm in self._buckets:
            bs = [(fp & mask) * mul >> sh & dm for fp in fps]
            order = sorted(range(n), key=bs.__getitem__)
            self._tables.append(array("Q", map(fps.__getitem__, order)))
            self._ids.append(array("I", order))
            bs = list(map(bs.__getitem__, order))
            self._starts.append(array("I", map(bisect_left, repeat(bs), range(dm + 2))))
        self._pending, self._garbage = 0, len(self._dead)
        self._link()

    def _merge(self) -> None:
        """Append the side dicts' ids to their buckets (slices are copied at C speed)."""
        n = len(self._fps)
        if n.bit_length() - 1 >= self._dbits + 2 and any(w > self._dbits for *_, w in self._plan):
            self._index()  # four times as many entries as buckets: re-bucket
            return
        fps = self._fps
        for t, (_, mul, sh, dm) in enumerate(self._buckets):
            table, ids, starts = self._tables[t], self._ids[t], self._starts[t]
            side = {}  # bucket -> ids
            for x, added in self._sides[t].items():
                side.setdefault(x * mul >> sh & dm, []).extend(added)
            new_table, new_ids, j = array("Q"), array("I"), 0
            steps, prev, count = [], 0, 0  # steps: what each bucket start moves by
            for b in sorted(side):
                end, added = starts[b + 1], side[b]
                new_table += table[j:end]
                new_table.extend(map(fps.__getitem__, added))
                new_ids += ids[j:end]
                new_ids.extend(added)
                j = end
                steps.append(_U32(count) * (b + 1 - prev))
                prev, count = b + 1, count + len(added)
            new_table += table[j:]
            new_ids += ids[j:]
            steps.append(_U32(count) * (len(starts) - prev))
            # add the steps to the starts, all lanes at once, as one big int (no lane overflows)
            moved = (int.from_bytes(starts, sys.byteorder)
                     + int.from_bytes(b"".join(steps), sys.byteorder))
            self._tables[t], self._ids[t], self._sides[t] = new_table, new_ids, {}
            self._starts[t] = array("I", moved.to_bytes(4 * len(starts), sys.byteorder))
        self._pending = 0
        self._link()

    def _link(self) -> None:
        """The per-table tuples a lookup reads."""
        self._probes = [(*bucket, *arrays) for bucket, *arrays in zip(
            self._buckets, self._tables, self._ids, self._starts, self._sides)]

    def _compact(self) -> None:
        """Drop removed ids and garbage entries; rebuild every table."""
        if self._dead:
            live = [i for i in range(len(self._fps)) if i not in self._dead]
            keys, offs = self._keys, self._offs
            chunks = [keys[offs[i]:offs[i + 1]] for i in live]
            self._keys = bytearray().join(chunks)
            self._offs = array("Q", accumulate(map(len, chunks), initial=0))
            self._fps = array("Q", [self._fps[i] for i in live])
            self._dead = set()
            self._rehash(_slots_for(len(live)))
        self._index()


def _slots_for(n: int) -> int:
    """Key slots for ``n`` keys: a power of two, at most 2/3 full."""
    size = 8
    while 3 * n > 2 * size:
        size *= 2
    return size


def _le(a: array) -> bytes:
    if sys.byteorder == "big":
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def _from_le(code: str, buf) -> array:
    a = array(code)
    a.frombytes(buf)
    if sys.byteorder == "big":
        a.byteswap()
    return a


class LayeredNearIndex:
    """A read-only base index (the archive's, answered from the local catalogue:
    :class:`archive.catalog.CatalogNearIndex`) with what one crawl changes on top, in a
    :class:`NearDupIndex` of its own. Answers exactly as one ``NearDupIndex`` holding the base's
    entries with the crawl's adds, replacements and removals applied: a key the crawl touched
    is answered from the top layer only, so memory grows with the crawl, not with the archive.

    ``base`` needs ``k``, ``query(fp)`` (``(key, distance)`` within ``k``), ``get(key)`` and
    ``count()``."""

    def __init__(self, base, bits: int = 64):
        self.base, self.k, self.bits = base, base.k, bits
        self.top = NearDupIndex(k=base.k, bits=bits)
        self.touched: set[str] = set()   # keys added, replaced or removed here: the base is not asked

    def __len__(self) -> int:
        n = self.base.count()
        for key in self.touched:
            n += (key in self.top) - (self.base.get(key) is not None)
        return n

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __repr__(self) -> str:
        return f"LayeredNearIndex(k={self.k}, touched={len(self.touched)})"

    def get(self, key: str) -> int | None:
        return self.top.get(key) if key in self.touched else self.base.get(key)

    def add(self, key: str, fingerprint: int) -> None:
        self.top.add(key, fingerprint)
        self.touched.add(key)

    def update(self, items) -> None:
        for key, fp in dict(items).items():
            self.add(key, fp)

    def settle(self, keys) -> int:
        """Let go of this crawl's changes to ``keys`` wherever the base now answers the same
        (they were written and the base took them in: the catalogue merges each listing segment
        its process writes), so the top layer holds only what is not written yet and memory
        stays flat in a long crawl. Answers do not change: a key is let go only if the base
        gives it the fingerprint (or the absence) the top layer gave it. Returns how many."""
        settled = 0
        for key in keys:
            if key not in self.touched:
                continue
            mine = self.top.get(key)
            if self.base.get(key) != mine:
                continue
            if mine is not None:
                self.top.remove(key)
            self.touched.discard(key)
            settled += 1
        return settled

    def remove(self, key: str) -> None:
        if self.get(key) is None:
            raise KeyError(key)
        if key in self.top:
            self.top.remove(key)
        self.touched.add(key)

    def query(self, fingerprint: int) -> list[tuple[str, int]]:
        found = self.top.query(fingerprint)
        found += [(key, d) for key, d in self.base.query(fingerprint) if key not in self.touched]
        found.sort(key=itemgetter(1, 0))
        return found
