"""The store contract: every backend behaves the same."""
import threading

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
