"""The store contract: every backend behaves the same."""
import json
import os
import threading
from pathlib import Path

import pytest

from archive.store import BadArchiveURI, KeyNotFound, LocalStore, StoreError, open_store


def test_put_get_overwrite(store):
    store.put("docs/a.json", b"one")
    assert store.get("docs/a.json") == b"one"
    store.put("docs/a.json", b"two")
    assert store.get("docs/a.json") == b"two"
    assert store.exists("docs/a.json")
    assert not store.exists("docs/b.json")


def test_missing_key(store):
    with pytest.raises(KeyNotFound) as err:
        store.get("docs/nope.json")
    assert "docs/nope.json" in str(err.value)


def test_put_if_absent_writes_once(store):
    tag = store.put_if_absent("blobs/x.gz", b"first")
    assert tag and store.get_tagged("blobs/x.gz")[1] == tag, "the new entity tag is returned"
    assert store.put_if_absent("blobs/x.gz", b"second") is None
    assert store.get("blobs/x.gz") == b"first"


def test_put_if_absent_races_have_one_winner(store):
    results = []
    barrier = threading.Barrier(8)

    def writer(n):
        barrier.wait()
        results.append(store.put_if_absent("docs/race.json", f"writer {n}".encode()))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for r in results if r) == 1
    assert store.get("docs/race.json").startswith(b"writer ")


def test_list_and_scan_are_sorted_and_prefixed(store):
    for key in ["docs/b.json", "docs/a.json", "blobs/sha256/ab/x.gz", "index/listing/00.json"]:
        store.put(key, b"12345")
    assert list(store.list("docs/")) == ["docs/a.json", "docs/b.json"]
    assert list(store.list("blobs/")) == ["blobs/sha256/ab/x.gz"]
    assert list(store.scan("index/")) == [("index/listing/00.json", 5)]
    assert list(store.list("nothing/")) == []
    assert len(list(store.list())) == 4


def test_delete(store):
    store.put("docs/a.json", b"x")
    store.delete("docs/a.json")
    assert not store.exists("docs/a.json")
    store.delete("docs/a.json")  # deleting what is gone is not an error


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a"])
def test_bad_keys_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_local_write_is_atomic_on_failure(tmp_path, monkeypatch):
    s = LocalStore(tmp_path)
    s.put("docs/a.json", b"old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        s.put("docs/a.json", b"new")
    assert s.get("docs/a.json") == b"old"
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["a.json"], "no temporary file left"


def test_open_store_by_uri(tmp_path):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    assert open_store(tmp_path.as_uri()).root == tmp_path
    assert open_store(None).root.name == "archive-data"
    with pytest.raises(BadArchiveURI, match="unsupported archive URI scheme 'ftp'"):
        open_store("ftp://host/x")
    with pytest.raises(BadArchiveURI):
        open_store("file://otherhost/x")


def test_check_missing_folder(tmp_path):
    with pytest.raises(StoreError, match="archive not found"):
        LocalStore(tmp_path / "missing").check()


def test_put_if_match_is_compare_and_swap(store):
    store.put("docs/a.json", b"v1")
    data, tag = store.get_tagged("docs/a.json")
    assert data == b"v1"
    new_tag = store.put_if_match("docs/a.json", b"v2", tag)
    assert new_tag and new_tag != tag
    assert store.put_if_match("docs/a.json", b"v3", tag) is None, "a stale tag loses"
    assert store.get("docs/a.json") == b"v2"
    _, tag2 = store.get_tagged("docs/a.json")
    assert tag2 == new_tag
    assert store.put_if_match("docs/a.json", b"v4", new_tag), "the returned tag is good for the next write"
    assert store.put_if_match("docs/missing.json", b"x", tag2) is None


def test_concurrent_read_modify_write_loses_nothing(store):
    store.put("index/counter", b"0")

    def bump():
        for _ in range(10):
            while True:
                data, tag = store.get_tagged("index/counter")
                if store.put_if_match("index/counter", str(int(data) + 1).encode(), tag):
                    break

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("index/counter") == b"40"


def test_requests_are_counted(store):
    before = dict(store.requests)
    store.put("docs/a.json", b"x")
    store.get("docs/a.json")
    list(store.list("docs/"))
    assert store.requests["PUT"] == before.get("PUT", 0) + 1
    assert store.requests["GET"] == before.get("GET", 0) + 1
    assert store.requests["LIST"] == before.get("LIST", 0) + 1


# -- deferred syncs (a crawl's batches) ------------------------------------------------------
class SyncRecordingStore(LocalStore):
    """A real local store that records, for each write, the keys already made durable."""

    def __init__(self, root):
        super().__init__(root)
        self.durable: set[str] = set()
        self.writes: list[tuple[str, frozenset]] = []

    def put(self, key, data, **o):
        self.writes.append((key, frozenset(self.durable)))
        return super().put(key, data, **o)

    def put_if_absent(self, key, data, **o):
        self.writes.append((key, frozenset(self.durable)))
        return super().put_if_absent(key, data, **o)

    def put_if_match(self, key, data, etag, **o):
        self.writes.append((key, frozenset(self.durable)))
        return super().put_if_match(key, data, etag, **o)

    def sync(self):
        with self._sync_lock:
            pending = list(self._unsynced)
        super().sync()
        self.durable.update(Path(p).relative_to(self.root).as_posix() for p in pending)


def test_deferred_syncs_fsync_every_write_once_at_sync(tmp_path, monkeypatch):
    import archive.store as store_module
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")),
                                                              real_fsync(fd)))
    s = LocalStore(tmp_path)
    s.put("a/one", b"1")
    assert len(synced) == 1, "without defer_syncs every write is durable when it returns"
    s.defer_syncs()
    s.put("a/two", b"2")
    s.put_if_absent("b/three", b"3")
    etag = s.get_tagged("a/two")[1]
    s.put_if_match("a/two", b"22", etag)
    assert len(synced) == 1, "deferred: no fsync before sync()"
    s.sync()
    assert sorted(synced[1:]) == sorted(str(tmp_path / k) for k in ("a/two", "b/three")), synced
    s.sync()
    assert len(synced) == 3, "each write is synced once"
    assert s.get("a/two") == b"22" and s.get("b/three") == b"3"


def test_a_crawl_batch_never_writes_a_document_before_its_blob_and_text_are_durable(tmp_path):
    from archive.archive import Archive, listing_key
    from archive.session import CrawlSession
    from tests.test_archive_cli import ingest, page
    from tests.test_data_loss import story

    store = SyncRecordingStore(tmp_path / "arch")
    store.create()
    s = CrawlSession(Archive(store), warmup_pages=0, index_flush_every=3, spool_dir=tmp_path / "spool")
    for n in range(7):
        ingest(s, page(f"http://site.test/news/story-{n}", text=story(n), title=f"Story {n}"))
    s.finish()
    docs = [(k, durable) for k, durable in store.writes if k.startswith("docs/")]
    assert len(docs) == 7
    for key, durable in docs:
        doc = json.loads(store.get(key))
        assert doc["versions"][0]["blob"] in durable, f"{key} written before its blob was durable"
        assert any(k.startswith("texts/") and doc["versions"][0]["text_sha256"] in k for k in durable), key
    listings = [i for i, (k, _) in enumerate(store.writes) if k.startswith(listing_key("x").rsplit("/", 1)[0])]
    assert listings
    for i in listings:   # every document written before a listing segment is durable by then
        before = {k for k, _ in store.writes[:i] if k.startswith("docs/")}
        assert before and before <= store.writes[i][1], store.writes[i][0]
    assert not store._unsynced, "nothing left unsynced at the end of the crawl"
