"""A safe store: opening an s3:// archive for writing probes once that conditional writes are
honoured, and refuses a service that ignores them unless told it is the only writer. A store
failing in the middle of an `archive` command is one line and exit status 1.

SeaweedFS honours conditional writes; the service that ignores them is faked by a real proxy in
front of it (tests/s3proxy.py) that drops If-None-Match / If-Match and signs the request again."""
import pytest

from archive.archive import Archive
from archive.cli import main
from archive.s3store import S3Store, s3_options_from_settings
from archive.session import CrawlSession
from archive.store import StoreError
from tests.s3proxy import MisbehavingProxy
from tests.seaweed import find_weed
from tests.test_archive_cli import ingest, page

pytestmark = pytest.mark.skipif(not find_weed(), reason="SeaweedFS `weed` not installed")


def options(sw, endpoint=None, **extra):
    return dict(endpoint_url=endpoint or sw.endpoint, region_name=sw.region, aws_access_key_id=sw.access_key,
                aws_secret_access_key=sw.secret_key, max_attempts=2, **extra)


@pytest.fixture
def proxy(seaweed):
    with MisbehavingProxy(seaweed) as p:
        yield p


@pytest.fixture
def bucket(seaweed):
    name = seaweed.new_bucket("safe")
    yield name
    seaweed.drop_bucket(name)


def test_seaweedfs_passes_the_probe_and_leaves_nothing(seaweed, bucket):
    archive = Archive.open(f"s3://{bucket}/a", create=True, **options(seaweed))
    assert archive.store.conditional_writes is True
    puts = archive.store.requests["PUT"]
    archive.store.check_writes()
    assert archive.store.requests["PUT"] == puts, "probed once per store"
    assert list(archive.store.list("")) == [], "the probe object is deleted"


def test_a_store_ignoring_conditions_is_refused(seaweed, bucket, proxy):
    proxy.ignore_conditions = True
    # The fake really misbehaves: a create-if-absent overwrites.
    raw = S3Store.from_uri(f"s3://{bucket}/raw", **options(seaweed, proxy.endpoint))
    assert raw.put_if_absent("k", b"one") and raw.put_if_absent("k", b"two") is not None
    assert raw.get("k") == b"two" and proxy.conditions_dropped == 2
    with pytest.raises(StoreError) as err:
        Archive.open(f"s3://{bucket}/a", create=True, **options(seaweed, proxy.endpoint))
    message = str(err.value)
    assert "ignores conditional writes" in message and "ARCHIVE_SINGLE_WRITER=1" in message
    assert seaweed.secret_key not in message
    assert not list(raw.list("index/")), "no probe object left behind"


def test_single_writer_opt_in(seaweed, bucket, proxy, monkeypatch):
    proxy.ignore_conditions = True
    archive = Archive.open(f"s3://{bucket}/a", create=True, **options(seaweed, proxy.endpoint, single_writer=True))
    assert archive.store.conditional_writes is False
    s = CrawlSession(archive, warmup_pages=0)
    ingest(s, page("http://site.test/news/talks"))
    s.finish()
    assert len(list(archive.iter_doc_ids())) == 1, "a single writer still works"
    monkeypatch.setenv("ARCHIVE_SINGLE_WRITER", "1")
    assert Archive.open(f"s3://{bucket}/a", create=True, **options(seaweed, proxy.endpoint)).store.single_writer
    assert s3_options_from_settings({"ARCHIVE_SINGLE_WRITER": "true"}) == {"single_writer": True}


def s3_env(monkeypatch, sw, endpoint):
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": sw.access_key,
                        "AWS_SECRET_ACCESS_KEY": sw.secret_key, "AWS_DEFAULT_REGION": sw.region,
                        "AWS_MAX_ATTEMPTS": "2"}.items():
        monkeypatch.setenv(name, value)


def test_cli_write_commands_refuse_and_store_errors_are_one_line(seaweed, bucket, proxy, monkeypatch, capsys,
                                                                 tmp_path):
    uri = f"s3://{bucket}/a"
    archive = Archive.open(uri, create=True, **options(seaweed))
    s = CrawlSession(archive, warmup_pages=0)
    doc_id = ingest(s, page("http://site.test/news/talks")).doc_id
    s.finish()
    s3_env(monkeypatch, seaweed, proxy.endpoint)
    proxy.ignore_conditions = True
    assert main(["--archive", uri, "reindex"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: refusing to write") and len(err.strip().splitlines()) == 1
    proxy.ignore_conditions = False
    assert main(["--archive", uri, "list"]) == 0 and doc_id in capsys.readouterr().out
    # The store starts failing on documents in the middle of export, show and search.
    proxy.fail = lambda method, path: "/docs/" in path
    for args in (["export"], ["show", doc_id], ["show", "http://site.test/news/talks"],
                 ["list", "--search", "talks"], ["verify"]):
        code = main(["--archive", uri, *args])
        err = capsys.readouterr().err
        assert code == 1, args
        assert err.startswith("Error: cannot read docs/") and len(err.strip().splitlines()) == 1, (args, err)
        assert "Traceback" not in err
    assert proxy.failed >= 5
