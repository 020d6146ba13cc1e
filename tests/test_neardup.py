"""NearDupIndex: exact agreement with simhash.SimhashIndex and brute force, updates, persistence."""
import random

import pytest
from simhash import Simhash, SimhashIndex

from archive import neardup
from archive.neardup import NearDupIndex


def flip(fp, nbits, rng, bits=64):
    for b in rng.sample(range(bits), nbits):
        fp ^= 1 << b
    return fp


def dataset(rng, k, n=3000, bits=64):
    """Random fingerprints, a tenth of them near-duplicates (0..k+1 bits off) of others."""
    fps = [rng.getrandbits(bits) for _ in range(n - n // 10)]
    fps += [flip(rng.choice(fps), rng.randint(0, k + 1), rng, bits) for _ in range(n // 10)]
    queries = [flip(rng.choice(fps), rng.randint(0, k + 1), rng, bits) for _ in range(200)]
    queries += [rng.getrandbits(bits) for _ in range(50)]
    return {f"doc{i:05d}": fp for i, fp in enumerate(fps)}, queries


def brute(data, q, k):
    found = [(key, (fp ^ q).bit_count()) for key, fp in data.items()]
    return sorted(((key, d) for key, d in found if d <= k), key=lambda kd: (kd[1], kd[0]))


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4])
def test_same_answers_as_simhashindex(k):
    rng = random.Random(k)
    data, queries = dataset(rng, k)
    ours = NearDupIndex(k)
    ours.update(data.items())
    theirs = SimhashIndex([(key, Simhash(fp)) for key, fp in data.items()], k=k)
    hits = 0
    for q in queries:
        got = ours.query(q)
        assert {key for key, _ in got} == set(theirs.get_near_dups(Simhash(q)))
        assert got == sorted(((key, (data[key] ^ q).bit_count()) for key, _ in got),
                             key=lambda kd: (kd[1], kd[0]))  # distances, order
        hits += len(got)
    assert hits >= 60  # the planted near-duplicates are found


@pytest.mark.parametrize("k,bits,blocks",
                         [(3, 64, 5), (3, 64, 6), (2, 16, 4), (0, 8, 1), (5, 64, 6)])
def test_other_shapes_match_brute_force(k, bits, blocks):
    rng = random.Random(bits * 10 + blocks)
    data, queries = dataset(rng, k, n=1500, bits=bits)
    index = NearDupIndex(k, bits, blocks=blocks)
    index.update(data.items())
    for q in queries[::2]:
        assert index.query(q) == brute(data, q, k)


def test_boundary_k():
    index = NearDupIndex(3)
    base = 0x0123456789ABCDEF
    for d in range(6):
        index.add(f"d{d}", base ^ ((1 << d) - 1))  # d low bits flipped
    assert index.query(base) == [("d0", 0), ("d1", 1), ("d2", 2), ("d3", 3)]
    assert index.query(base ^ 0b111111) == [("d5", 1), ("d4", 2), ("d3", 3)]
    assert NearDupIndex(0).query(base) == []


def test_replace_remove_len_contains():
    index = NearDupIndex(3)
    index.add("a", 0)
    index.add("b", 0b1)
    assert len(index) == 2 and "a" in index and "z" not in index and 5 not in index
    index.add("a", (1 << 64) - 1)  # replaces a's fingerprint
    assert len(index) == 2
    assert index.query(0) == [("b", 1)]
    assert index.query((1 << 64) - 2) == [("a", 1)]
    index.add("a", (1 << 64) - 1)  # same again: no change
    index.remove("b")
    assert "b" not in index and len(index) == 1 and index.query(0) == []
    with pytest.raises(KeyError):
        index.remove("b")
    index.add("b", 0b11)  # back again
    assert index.query(0) == [("b", 2)] and len(index) == 2


def test_bad_arguments():
    with pytest.raises(ValueError):
        NearDupIndex(k=4, blocks=4)
    index = NearDupIndex(3, bits=16)
    for bad in (-1, 1 << 16):
        with pytest.raises(ValueError):
            index.add("x", bad)
        with pytest.raises(ValueError):
            index.query(bad)


def test_incremental_adds_replaces_removes(monkeypatch):
    """A crawl: query before each add; small batches force many merges, re-buckets and rebuilds."""
    monkeypatch.setattr(neardup, "_BATCH", 16)
    rng = random.Random(7)
    data, _ = dataset(rng, 3, n=800)
    items = list(data.items())
    index, shadow = NearDupIndex(3), {}
    theirs = SimhashIndex([], k=3)
    for n, (key, fp) in enumerate(items):
        assert index.query(fp) == brute(shadow, fp, 3)
        index.add(key, fp)
        theirs.add(key, Simhash(fp))
        shadow[key] = fp
        if n % 7 == 3:  # replace an earlier key
            old = rng.choice(sorted(shadow))
            new = flip(shadow[old], rng.randint(1, 5), rng)
            theirs.delete(old, Simhash(shadow[old]))
            theirs.add(old, Simhash(new))
            index.add(old, new)
            shadow[old] = new
        if n % 11 == 5:  # remove one
            gone = rng.choice(sorted(shadow))
            theirs.delete(gone, Simhash(shadow.pop(gone)))
            index.remove(gone)
        assert len(index) == len(shadow)
    queries = [flip(fp, rng.randint(0, 4), rng) for fp in rng.sample(list(shadow.values()), 200)]
    for gone in rng.sample(sorted(shadow), len(shadow) * 2 // 3):  # enough to force a rebuild
        theirs.delete(gone, Simhash(shadow.pop(gone)))
        index.remove(gone)
    assert len(index) == len(shadow)
    for q in queries:
        got = index.query(q)
        assert got == brute(shadow, q, 3)
        assert {key for key, _ in got} == set(theirs.get_near_dups(Simhash(q)))


def test_bulk_update(monkeypatch):
    monkeypatch.setattr(neardup, "_BATCH", 8)
    rng = random.Random(5)
    data, queries = dataset(rng, 3, n=400)
    items = list(data.items())
    index = NearDupIndex(3)
    index.update(items[:200] + [("doc00000", 1)])  # into an empty index; the last one wins
    index.update(items[150:])  # into a filled one, overlapping
    data["doc00000"] = 1
    assert len(index) == len(data)
    for q in queries + [1]:
        assert index.query(q) == brute(data, q, 3)


def test_round_trip_bytes():
    rng = random.Random(3)
    data, queries = dataset(rng, 3, n=2000)
    index = NearDupIndex(3)
    index.update(data.items())
    index.add("ünïcode/ключ", 12345)  # pending in a side dict
    index.remove("doc00001")
    blob = index.to_bytes()
    loaded = NearDupIndex.from_bytes(blob)
    assert (loaded.k, loaded.bits, loaded.blocks, len(loaded)) == (3, 64, 4, len(index))
    assert "ünïcode/ключ" in loaded and "doc00001" not in loaded
    for q in queries + [12345]:
        assert loaded.query(q) == index.query(q)
    loaded.add("late", 99)  # still usable
    assert loaded.query(99)[0] == ("late", 0)
    assert NearDupIndex.from_bytes(NearDupIndex(2, 32).to_bytes()).query(0) == []


def test_bad_bytes_raise_valueerror():
    index = NearDupIndex(3)
    index.update((f"k{i}", i * 0x9E3779B97F4A7C15 % (1 << 64)) for i in range(500))
    blob = index.to_bytes()
    damaged = bytearray(blob)
    damaged[len(blob) // 2] ^= 0x40
    version = bytearray(blob)
    version[4] = 99
    for bad in (b"", b"NDIX", blob[:-1], blob[:len(blob) // 2], blob + b"\0", bytes(damaged),
                b"XXXX" + blob[4:], bytes(version)):
        with pytest.raises(ValueError):
            NearDupIndex.from_bytes(bad)


# -- the layered index a crawl uses: the catalogue's entries, this crawl's changes on top ------
def _catalogued(tmp_path, data, anchors=None):
    """A local archive whose listing holds ``data`` (doc id -> simhash) and ``anchors``
    (doc id -> [hashes]), and its catalogue, synced."""
    from archive.archive import Archive
    from archive.catalog import Catalog
    archive = Archive.open(str(tmp_path / "arch"), create=True)
    anchors = anchors or {}
    entries = {doc_id: {"id": doc_id, "url": f"http://x.test/{doc_id}", "rev": 1, "versions": 1,
                        "text_sha256": "ab" * 32, "simhash": f"{fp:016x}",
                        "anchors": [f"{h:016x}" for h in anchors.get(doc_id, ())]}
               for doc_id, fp in data.items()}
    archive.save_listing_segment("s1", entries)
    cat = Catalog(archive, tmp_path / "cat.sqlite")
    cat.sync()
    return cat


def test_layered_index_answers_as_one_neardupindex(tmp_path):
    from archive.catalog import catalog_near_indexes
    from archive.dedup import NEAR_K
    rng = random.Random(9)
    data, queries = dataset(rng, NEAR_K, n=2500)
    base = dict(list(data.items())[:2000])
    layered, _ = catalog_near_indexes(_catalogued(tmp_path, base))
    plain = NearDupIndex(NEAR_K)
    plain.update(base.items())
    assert len(layered) == len(plain) == 2000 and not layered.touched
    # A crawl adds new keys, replaces and removes some of the catalogue's, and its own.
    ops = [("add", key, fp) for key, fp in list(data.items())[2000:]]
    ops += [("add", key, flip(fp, rng.randint(1, 9), rng)) for key, fp in rng.sample(sorted(base.items()), 150)]
    ops += [("remove", key, None) for key in rng.sample(sorted(base), 60)]
    rng.shuffle(ops)
    for op, key, fp in ops:
        if op == "add":
            layered.add(key, fp)
            plain.add(key, fp)
        elif key in plain:
            layered.remove(key)
            plain.remove(key)
        else:
            with pytest.raises(KeyError):
                layered.remove(key)
    hits = 0
    for q in queries + [fp for _, key, fp in ops if fp is not None][:100]:
        got = layered.query(q)
        assert got == plain.query(q)
        hits += len(got)
    assert hits > 300, "near-duplicates from both layers are found"
    assert len(layered) == len(plain)
    for key in rng.sample(sorted(data), 300):
        assert layered.get(key) == plain.get(key) and (key in layered) == (key in plain)
    assert len(layered.touched) <= len(ops), "memory: only what the crawl touched"


def test_settled_keys_leave_the_top_layer_and_answers_stay_the_same(tmp_path):
    """What a crawl wrote and the catalogue took in is let go of the top layer (memory flat in a
    long crawl); what the catalogue does not answer the same way stays, and no answer changes."""
    from archive.catalog import catalog_near_indexes
    from archive.dedup import NEAR_K
    rng = random.Random(5)
    data, queries = dataset(rng, NEAR_K, n=1200)
    items = list(data.items())
    cat = _catalogued(tmp_path, dict(items[:800]))
    layered, _ = catalog_near_indexes(cat)
    plain = NearDupIndex(NEAR_K)
    plain.update(items[:800])
    changed = {key: flip(fp, rng.randint(1, 9), rng) for key, fp in rng.sample(items[:800], 100)}
    for key, fp in [*items[800:], *changed.items()]:
        layered.add(key, fp)
        plain.add(key, fp)
    touched = set(layered.touched)
    written = set(rng.sample(sorted(touched), len(touched) // 2))
    stale = sorted(written)[0]   # the catalogue took in another value for this one: it stays
    cat.add_segment("index/listing/crawl-0001.json", {
        key: {"id": key, "url": f"http://x.test/{key}", "rev": 2, "versions": 1, "text_sha256": "cd" * 32,
              "simhash": f"{(plain.get(key) ^ 1) if key == stale else plain.get(key):016x}", "anchors": []}
        for key in sorted(written)}, 1)
    assert layered.settle(sorted(touched)) == len(written) - 1
    assert layered.touched == (touched - written) | {stale}
    assert len(layered.top) == len(touched) - len(written) + 1
    for q in queries + [fp for _, fp in items[800:900]] + list(changed.values())[:50]:
        assert layered.query(q) == plain.query(q)
    for key in rng.sample(sorted(touched - {stale}), 100):
        assert layered.get(key) == plain.get(key)
    assert layered.get(stale) == plain.get(stale), "the top layer still answers for the stale key"


def test_layered_anchor_index_is_exact(tmp_path):
    from archive.catalog import catalog_near_indexes
    rng = random.Random(3)
    shared = rng.getrandbits(64)
    anchors = {f"d{i:03d}": [rng.getrandbits(64) for _ in range(rng.randint(0, 8))] + ([shared] if i % 7 == 0 else [])
               for i in range(300)}
    data = {doc_id: rng.getrandbits(64) for doc_id in anchors}
    _, layered = catalog_near_indexes(_catalogued(tmp_path, data, anchors))
    plain = NearDupIndex(k=0)
    plain.update((f"{d}/{n}", h) for d, hs in anchors.items() for n, h in enumerate(hs))
    assert layered.k == 0 and len(layered) == len(plain)
    layered.add("new/0", shared), plain.add("new/0", shared)
    layered.remove("d000/0"), plain.remove("d000/0")
    for q in [shared] + [h for hs in anchors.values() for h in hs][:200] + [rng.getrandbits(64) for _ in range(20)]:
        assert layered.query(q) == plain.query(q)
    assert len(layered.query(shared)) >= 40
    assert layered.get("d001/0") == anchors["d001"][0] if anchors["d001"] else layered.get("d001/0") is None


def test_a_catalogue_laid_out_for_other_bands_is_laid_out_again_once(tmp_path):
    """A catalogue whose near rows were laid out for another plan (before 28 bands: '6', seven
    one-block bands) is re-laid when opened, and then answers as a plain index."""
    from archive.catalog import Catalog, CatalogNearIndex, _near_masks, near_layout
    from archive.dedup import NEAR_K
    rng = random.Random(11)
    data, queries = dataset(rng, NEAR_K, n=400)
    cat = _catalogued(tmp_path, data)
    assert cat.db.execute("SELECT count(*) FROM near").fetchone()[0] == 400 * len(_near_masks()) == 400 * 28
    cat.db.execute("DELETE FROM near WHERE band >= 7")   # what the old plan left: 7 bands
    cat.db.execute("UPDATE meta SET value='6' WHERE key='near_k'")
    cat.close()
    again = Catalog(cat.archive, tmp_path / "cat.sqlite")
    index = CatalogNearIndex(again, "simhash")
    assert again.db.execute("SELECT value FROM meta WHERE key='near_k'").fetchone()[0] == near_layout(NEAR_K) == "6/8"
    assert again.db.execute("SELECT count(*) FROM near").fetchone()[0] == 400 * 28
    plain = NearDupIndex(NEAR_K)
    plain.update(data.items())
    assert all(index.query(q) == plain.query(q) for q in queries)
    assert sum(len(plain.query(q)) for q in queries) > 50, "the queries find near-duplicates"


def test_a_relay_under_way_in_another_process_is_waited_for_not_done_twice(tmp_path, caplog):
    """Two crawls opening a catalogue of the old layout at once: the second waits for the first's
    re-lay past its lock timeout (it failed with 'database is locked' after 60 s while a re-lay
    of 460,000 documents took 8 minutes), then finds the layout done and does not do it again."""
    import sqlite3
    import threading
    import time
    from archive.catalog import Catalog, CatalogNearIndex, near_layout
    from archive.dedup import NEAR_K
    rng = random.Random(12)
    data, _ = dataset(rng, NEAR_K, n=200)
    cat = _catalogued(tmp_path, data)
    cat.db.execute("DELETE FROM near WHERE band >= 7")
    cat.db.execute("UPDATE meta SET value='6' WHERE key='near_k'")
    cat.close()
    other = sqlite3.connect(str(tmp_path / "cat.sqlite"), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")   # the other process, laying out

    def finish_other():
        time.sleep(1.5)
        other.execute("DELETE FROM near WHERE band = 0")   # a mark: this layout is the other's
        other.execute("UPDATE meta SET value=? WHERE key='near_k'", (near_layout(NEAR_K),))
        other.execute("COMMIT")

    worker = threading.Thread(target=finish_other)
    worker.start()
    again = Catalog(cat.archive, tmp_path / "cat.sqlite")
    again.db.execute("PRAGMA busy_timeout=200")   # the lock timeout, shortened for the test
    with caplog.at_level("WARNING", logger="archive.catalog"):
        CatalogNearIndex(again, "simhash")
    worker.join()
    assert "waiting for another process's write to finish" in caplog.text
    bands = [b for (b,) in again.db.execute("SELECT DISTINCT band FROM near ORDER BY band")]
    assert bands == list(range(1, 7)), "the other process's layout was kept, not laid out again"


def test_a_sync_waits_out_another_processs_long_write_instead_of_failing(tmp_path, caplog):
    """Any catalogue write (here a sync bringing in a new segment) waits for another process's
    write transaction past SQLite's lock timeout, instead of 'database is locked'."""
    import sqlite3
    import threading
    import time
    from archive.catalog import Catalog
    from archive.dedup import NEAR_K
    data, _ = dataset(random.Random(16), NEAR_K, n=50)
    cat = _catalogued(tmp_path, data)
    cat.archive.save_listing_segment("s2", {"late": {"id": "late", "url": "http://x.test/late", "rev": 1,
                                                    "versions": 1, "text_sha256": "cd" * 32,
                                                    "simhash": "00000000000000ff", "anchors": []}})
    other = sqlite3.connect(str(tmp_path / "cat.sqlite"), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    worker = threading.Thread(target=lambda: (time.sleep(1.5), other.execute("COMMIT")))
    worker.start()
    fresh = Catalog(cat.archive, tmp_path / "cat.sqlite")
    fresh.db.execute("PRAGMA busy_timeout=200")
    with caplog.at_level("WARNING", logger="archive.catalog"):
        fresh.sync()
    worker.join()
    assert "waiting for another process's write to finish" in caplog.text
    assert fresh.entry("late")["url"] == "http://x.test/late"


def test_a_relay_answers_as_a_plain_index_for_simhashes_and_anchors(tmp_path):
    from archive.catalog import Catalog, CatalogNearIndex
    from archive.dedup import NEAR_K
    rng = random.Random(13)
    data, _ = dataset(rng, NEAR_K, n=300)
    anchors = {d: [rng.getrandbits(64) for _ in range(rng.randrange(0, 4))] for d in data}
    cat = _catalogued(tmp_path, data, anchors)
    before = sorted(cat.db.execute("SELECT * FROM near")), sorted(cat.db.execute("SELECT * FROM anchor"))
    cat.db.execute("UPDATE meta SET value='6' WHERE key='near_k'")
    cat.close()
    again = Catalog(cat.archive, tmp_path / "cat.sqlite")
    CatalogNearIndex(again, "simhash")
    after = sorted(again.db.execute("SELECT * FROM near")), sorted(again.db.execute("SELECT * FROM anchor"))
    assert after == before and len(after[1]) > 100
    assert again.db.execute("SELECT count(*) FROM temp.relay_near").fetchone()[0] == 0


def test_a_sync_lays_out_a_catalogue_of_another_layout_so_verify_reads_the_right_bands(tmp_path):
    """Not only a crawl's near index: ``archive verify`` reads the bands too, and on a catalogue
    laid out for the old plan it reported every document as filed under 7 of 28 bands."""
    from archive.catalog import Catalog, _near_masks
    from archive.dedup import NEAR_K
    data, _ = dataset(random.Random(14), NEAR_K, n=100)
    cat = _catalogued(tmp_path, data)
    cat.db.execute("DELETE FROM near WHERE band >= 7")
    cat.db.execute("UPDATE meta SET value='6' WHERE key='near_k'")
    cat.close()
    again = Catalog(cat.archive, tmp_path / "cat.sqlite")
    again.sync()
    assert again.db.execute("SELECT count(*) FROM near").fetchone()[0] == 100 * len(_near_masks())
    doc_id, fp = next(iter(data.items()))
    assert again.near_problems(doc_id, f"{fp:016x}", []) == []


@pytest.mark.parametrize("bulk", [False, True])
def test_a_bulk_sync_lays_out_the_same_rows_as_one_document_at_a_time(tmp_path, monkeypatch, bulk):
    """A sync of many new segments lays the near and anchor rows out once, sorted, at its end;
    the rows are the ones merging document by document gives, through re-filed documents (new
    simhash, fewer anchors) and documents dropped with a segment a reindex removed."""
    from archive import catalog as catalog_mod
    from archive.archive import Archive
    from archive.catalog import Catalog
    rng = random.Random(15)

    def entry(doc_id, rev):
        return {"id": doc_id, "url": f"http://x.test/{doc_id}", "rev": rev, "versions": rev,
                "text_sha256": f"{rng.getrandbits(256):064x}", "simhash": f"{rng.getrandbits(64):016x}",
                "anchors": [f"{rng.getrandbits(64):016x}" for _ in range(rng.randrange(0, 4))]}

    archive = Archive.open(str(tmp_path / "arch"), create=True)
    s0 = archive.save_listing_segment("s0", {f"e{i:03}": entry(f"e{i:03}", 1) for i in range(20)})
    archive.save_listing_segment("s1", {f"d{i:03}": entry(f"d{i:03}", 1) for i in range(100)})
    reference = Catalog(archive, tmp_path / "ref.sqlite")
    reference.sync()
    assert reference.db.execute("SELECT count(*) FROM near WHERE id LIKE 'e%'").fetchone()[0] > 0
    archive.store.delete(s0)   # a reindex took it away: its documents are dropped
    archive.save_listing_segment("s2", {f"d{i:03}": entry(f"d{i:03}", 2) for i in range(50, 150)})
    archive.save_listing_segment("s3", {f"d{i:03}": entry(f"d{i:03}", 3) for i in range(140, 300)})
    if bulk:
        monkeypatch.setattr(catalog_mod, "BULK_SYNC_BYTES", 1)
    relays = []
    monkeypatch.setattr(Catalog, "_relay_near", lambda self, _r=Catalog._relay_near: (relays.append(1), _r(self)))
    reference.sync()
    assert relays == ([1] if bulk else [])
    plain = Catalog(archive, tmp_path / "plain.sqlite")   # one segment at a time, never bulk
    monkeypatch.setattr(catalog_mod, "BULK_SYNC_BYTES", 1 << 60)
    plain.sync()
    for table in ("near", "anchor"):
        rows = sorted(reference.db.execute(f"SELECT * FROM {table}"))
        assert rows == sorted(plain.db.execute(f"SELECT * FROM {table}")) and rows
    assert reference.db.execute("SELECT count(DISTINCT id) FROM near").fetchone()[0] == 300


def test_catalog_bands_benchmark_runs_and_both_plans_answer_the_same():
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "catalog_bands.py"
    proc = subprocess.run([sys.executable, str(script), "--sizes", "3000", "--queries", "60"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[1]: float(line.split()[-3]) for line in proc.stdout.splitlines()[1:]}
    assert set(rows) == {"7", "28"}, proc.stdout
    assert rows["28"] < rows["7"], "the 16-bit bands fetch fewer rows than the 9-bit ones"


def test_catalog_sync_benchmark_runs_and_both_syncs_lay_out_the_same_rows():
    import subprocess
    import sys
    from pathlib import Path
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "catalog_sync.py"
    proc = subprocess.run([sys.executable, str(script), "--sizes", "3000", "--min-bytes", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()[1:]
    assert [line.split()[1] for line in lines] == ["one", "bulk,"], proc.stdout
    assert lines[0].split()[-1] == lines[1].split()[-1] != "0", "the same number of rows, and some"
