"""A store answering 503 SlowDown: botocore's retries with backoff, then the spool; nothing lost.

The fault comes from a real HTTP proxy on 127.0.0.1 in front of SeaweedFS (tests/s3proxy.py) that
answers 503 SlowDown to as many requests as it is told to, and forwards the rest untouched."""
import pytest

from archive.archive import Archive
from archive.s3store import S3Store
from archive.session import CrawlSession
from archive.store import StoreError
from tests.s3proxy import SLOWDOWN, MisbehavingProxy
from tests.seaweed import REGION, find_weed
from tests.test_archive_cli import page

pytestmark = pytest.mark.skipif(not find_weed(), reason="SeaweedFS `weed` not installed")


@pytest.fixture
def proxied(seaweed):
    bucket = seaweed.new_bucket("slow")
    proxy = MisbehavingProxy(seaweed)
    proxy.error = SLOWDOWN
    store = S3Store.from_uri(f"s3://{bucket}/a", endpoint_url=proxy.endpoint, region_name=REGION,
                             aws_access_key_id=seaweed.access_key, aws_secret_access_key=seaweed.secret_key,
                             max_attempts=3)
    with proxy:
        yield proxy, store


def test_slowdown_is_retried_with_backoff(proxied):
    proxy, store = proxied
    proxy.fail_next = 2
    store.put("docs/a.json", b"{}")
    assert proxy.failed == 2
    assert store.requests["PUT"] == 3, "two refused attempts, then the one that landed (3 attempts at most)"
    assert store.get("docs/a.json") == b"{}"


def test_persistent_slowdown_spools_and_nothing_is_lost(proxied, tmp_path):
    proxy, store = proxied
    archive = Archive(store)
    session = CrawlSession(archive, warmup_pages=0, spool_dir=tmp_path / "spool")
    p = page("http://site.test/news/talks")
    snap = session.store_snapshot(p.pop("body"), url=p["url"], fetched_at=p["fetched_at"])
    p.update(blob=snap.blob, body_sha256=snap.sha256, body_size=snap.size)
    proxy.fail_next = 10 ** 6
    assert session.ingest(p) is None
    report = session.finish()
    assert report["counts"]["archive/spool/pages_waiting"] == 1
    assert report["counts"]["archive/store_failures"] >= 1
    with pytest.raises(StoreError, match="SlowDown|503|slow"):
        store.get("docs/none.json")
    proxy.fail_next = 0
    again = CrawlSession(archive, warmup_pages=0, spool_dir=tmp_path / "spool")
    assert again.replay_spool() == 1
    again.finish()
    docs = list(archive.iter_documents())
    assert [d["url"] for d in docs] == ["http://site.test/news/talks"]
    assert archive.get_blob(docs[0]["versions"][0]["blob"]).startswith(b"<html>")
