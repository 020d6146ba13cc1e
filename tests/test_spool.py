"""Nothing is lost when the store fails: bodies and pages wait in the spool, `archive flush` files them."""

from archive.archive import Archive
from archive.cli import main
from archive.store import LocalStore, StoreError
from tests.test_archive_cli import page


class FlakyStore(LocalStore):
    """A local store that can be switched off (a fault injection: the real-server version of this
    test kills SeaweedFS mid-crawl)."""
    down = False

    def _fail(self):
        if self.down:
            raise StoreError("store unreachable (injected)")

    def put(self, key, data, **o):
        self._fail()
        return super().put(key, data, **o)

    def put_if_absent(self, key, data, **o):
        self._fail()
        return super().put_if_absent(key, data, **o)

    def get(self, key):
        self._fail()
        return super().get(key)


def snapshot_and_ingest(session, p):
    body = p.pop("body")
    snap = session.store_snapshot(body, url=p["url"], fetched_at=p["fetched_at"])
    p.update(blob=snap.blob, body_sha256=snap.sha256, body_size=snap.size)
    return session.ingest(p)


def test_store_down_mid_crawl_spools_then_flush_files_everything(tmp_path, capsys):
    from archive.session import CrawlSession
    store = FlakyStore(tmp_path / "arch")
    store.create()
    archive = Archive(store)
    spool = tmp_path / "spool"
    filed = []
    s = CrawlSession(archive, warmup_pages=1, spool_dir=spool, on_filed=lambda p: filed.append(p["url"]))
    snapshot_and_ingest(s, page("http://site.test/news/one"))
    store.down = True
    snapshot_and_ingest(s, page("http://site.test/news/two", text="Second story text " * 40, title="Two"))
    snapshot_and_ingest(s, page("http://site.test/news/three", text="Third story text " * 40, title="Three"))
    assert filed == ["http://site.test/news/two", "http://site.test/news/three"], \
        "spooled pages are safe; the first waits for its document's batch write"
    report = s.finish()
    assert filed[-1] == "http://site.test/news/one", "its batch write failed: spooled at the end"
    assert report["counts"]["archive/spool/pages_waiting"] == 3
    assert len(list((spool / "pages").glob("*.json"))) == 3
    assert len(list((spool / "bodies").glob("*.gz"))) == 3
    store.down = False
    assert main(["--archive", store.uri, "flush", "--spool", str(spool)]) == 0
    out = capsys.readouterr().out
    assert "filed 3 of 3 spooled pages" in out
    urls = {d["url"] for d in archive.iter_documents()}
    assert urls == {"http://site.test/news/one", "http://site.test/news/two", "http://site.test/news/three"}
    assert main(["--archive", store.uri, "verify"]) == 0
    assert len(list(archive.iter_reports())) == 2, "the first crawl's report was spooled, then written"
    assert list(archive.store.list("warc/")), "the first crawl's WARC file was uploaded by flush"
    assert not list((spool / "bodies").glob("*.gz")), "spooled bodies go once their pages are filed"
    assert not list((spool / "pages").glob("*.json"))
    assert main(["--archive", store.uri, "flush", "--spool", str(spool)]) == 0, "flushing again is harmless"
    assert len(list(archive.iter_documents())) == 3


def test_flush_keeps_the_spool_while_the_store_is_down(tmp_path, capsys):
    from archive.session import CrawlSession
    store = FlakyStore(tmp_path / "arch")
    store.create()
    spool = tmp_path / "spool"
    s = CrawlSession(Archive(store), warmup_pages=1, spool_dir=spool)
    store.down = True
    snapshot_and_ingest(s, page("http://site.test/news/one"))
    store.down = False
    s.finish()
    retry = CrawlSession(Archive(store), warmup_pages=0, spool_dir=spool)
    store.down = True   # lost after the session opened
    assert retry.replay_spool() == 0
    assert len(list((spool / "pages").glob("*.json"))) == 1, "nothing dropped while the store is down"
    assert len(list((spool / "bodies").glob("*.gz"))) == 1
    retry.close()   # given up on: an unfinished session keeps its spool locked until then
    store.down = False
    assert CrawlSession(Archive(store), warmup_pages=0, spool_dir=spool).replay_spool() == 1


def test_an_empty_spool_costs_no_write(tmp_path):
    from archive.session import CrawlSession
    archive = Archive.open(str(tmp_path / "arch"), create=True)
    s = CrawlSession(archive, spool_dir=tmp_path / "spool")
    assert s.replay_spool() == 0
    assert archive.store.requests["PUT"] == 0


def test_a_session_without_a_spool_dir_removes_its_own_spool_unless_pages_wait_in_it(tmp_path, monkeypatch):
    """A library user's session makes a temporary spool; it must not leave one behind per crawl,
    and must not remove one that holds pages the store did not take."""
    import tempfile
    from archive.session import CrawlSession
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    store = FlakyStore(tmp_path / "arch")
    store.create()
    archive = Archive(store)
    s = CrawlSession(archive, warmup_pages=1)
    assert s.spool_dir.exists()
    snapshot_and_ingest(s, page("http://site.test/news/one"))
    s.finish()
    assert not s.spool_dir.exists(), "an empty spool of its own is removed at the end"
    assert list((tmp_path / "tmp").iterdir()) == []

    s = CrawlSession(archive, warmup_pages=1)
    store.down = True
    snapshot_and_ingest(s, page("http://site.test/news/two", text="Second story text " * 40, title="Two"))
    s.finish()
    assert len(list((s.spool_dir / "pages").glob("*.json"))) == 1, "what waits keeps its spool"
    store.down = False
    assert main(["--archive", store.uri, "flush", "--spool", str(s.spool_dir)]) == 0
    assert archive.find("http://site.test/news/two") is not None

    s = CrawlSession(archive)
    s.close()
    assert not s.spool_dir.exists(), "a session given up on removes its empty spool too"
