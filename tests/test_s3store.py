"""The S3 backend against a real SeaweedFS: what the shared contract (test_store.py) cannot say."""
import gzip
import hashlib
import json
import socket
import time

import pytest
from botocore.stub import Stubber

from archive.archive import Archive, blob_key
from archive.cli import main
from archive.s3store import S3Store, parse_s3_uri, s3_options_from_settings
from archive.store import BadArchiveURI, KeyNotFound, StoreError, open_store


def s3_store(seaweed, uri, **options):
    opts = dict(endpoint_url=seaweed.endpoint, region_name=seaweed.region,
                aws_access_key_id=seaweed.access_key, aws_secret_access_key=seaweed.secret_key)
    opts.update(options)
    return S3Store.from_uri(uri, **opts)


@pytest.fixture
def bucket(seaweed):
    name = seaweed.new_bucket("s3t")
    yield name
    seaweed.drop_bucket(name)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def offline_store(uri="s3://news/arch", **options):
    """A store whose requests a test stubs: nothing is sent anywhere."""
    return S3Store.from_uri(uri, endpoint_url=f"http://127.0.0.1:{closed_port()}", region_name="us-east-1",
                            aws_access_key_id="AKOFFLINE", aws_secret_access_key="offline-secret",
                            max_attempts=1, **options)


# -- URIs and options (no server) -----------------------------------------------------------
@pytest.mark.parametrize("uri, bucket, prefix, canonical", [
    ("s3://news/arch/x", "news", "arch/x", "s3://news/arch/x"),
    ("s3://news/arch/x/", "news", "arch/x", "s3://news/arch/x"),
    ("s3://news", "news", "", "s3://news"),
    ("s3://news/", "news", "", "s3://news"),
    ("S3://news.archive-1/a", "news.archive-1", "a", "s3://news.archive-1/a"),
])
def test_uri_parsing(uri, bucket, prefix, canonical):
    assert parse_s3_uri(uri) == (bucket, prefix)
    store = offline_store(uri)
    assert (store.bucket, store.prefix, store.uri) == (bucket, prefix, canonical)


@pytest.mark.parametrize("uri", ["s3://", "s3:///prefix", "s3://Bad_Bucket/x", "s3://ab/x",
                                 "s3://news/a//b", "s3://news/a/../b", "s3://news/x?versionId=1"])
def test_bad_uris_are_refused(uri):
    with pytest.raises(BadArchiveURI):
        parse_s3_uri(uri)


def test_credentials_in_uri_are_refused_without_echo():
    for uri in ["s3://AKIDLEAK:s3cr3t-leak@news/arch", "s3://AKIDLEAK@news/arch"]:
        for opener in (parse_s3_uri, S3Store.from_uri, open_store):
            with pytest.raises(BadArchiveURI) as err:
                opener(uri)
            assert "s3cr3t-leak" not in str(err.value) and "AKIDLEAK" not in str(err.value)
            assert "AWS_ACCESS_KEY_ID" in str(err.value)


def test_open_store_passes_options_and_hides_credentials():
    store = open_store("s3://news/arch", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                       aws_access_key_id="AKIDHIDDEN", aws_secret_access_key="very-secret-key",
                       aws_session_token="session-token-xyz")
    assert isinstance(store, S3Store) and store.uri == "s3://news/arch"
    for text in (repr(store), str(store), store.uri):
        assert "very-secret-key" not in text and "AKIDHIDDEN" not in text and "session-token-xyz" not in text
    # the local backend takes (and ignores) the same call shape
    assert open_store("archive-data", endpoint_url="http://x").root.name == "archive-data"


def test_options_from_scrapy_style_settings():
    settings = {"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_SESSION_TOKEN": None,
                "AWS_ENDPOINT_URL": "http://127.0.0.1:8333", "AWS_REGION_NAME": "eu-west-1",
                "AWS_USE_SSL": "0", "AWS_VERIFY": "false"}
    assert s3_options_from_settings(settings) == {
        "aws_access_key_id": "AK", "aws_secret_access_key": "SK", "endpoint_url": "http://127.0.0.1:8333",
        "region_name": "eu-west-1", "use_ssl": False, "verify": False}
    assert s3_options_from_settings({"AWS_USE_SSL": True, "AWS_VERIFY": "1"}) == {"use_ssl": True, "verify": True}
    assert s3_options_from_settings({"AWS_VERIFY": "/etc/ssl/ca.pem"}) == {"verify": "/etc/ssl/ca.pem"}
    assert s3_options_from_settings({"AWS_ENDPOINT_URL": ""}) == {}
    with pytest.raises(ValueError, match="AWS_USE_SSL"):
        s3_options_from_settings({"AWS_USE_SSL": "maybe"})


def test_options_from_real_scrapy_settings(seaweed, bucket):
    from scrapy.settings import Settings

    assert s3_options_from_settings(Settings()) == {}, "Scrapy's defaults leave everything to boto3"
    settings = Settings({"AWS_ACCESS_KEY_ID": seaweed.access_key, "AWS_SECRET_ACCESS_KEY": seaweed.secret_key,
                         "AWS_ENDPOINT_URL": seaweed.endpoint, "AWS_REGION_NAME": seaweed.region,
                         "AWS_USE_SSL": "0", "AWS_VERIFY": "0"})
    store = open_store(f"s3://{bucket}/scrapy", **s3_options_from_settings(settings))
    store.check()
    store.put("docs/a.json", b"{}")
    assert store.get("docs/a.json") == b"{}"


# -- conditional writes: the paths SeaweedFS never takes (stubbed, offline) ---------------------
def test_put_if_absent_retries_a_conditional_conflict():
    store = offline_store()
    with Stubber(store._client) as stub:
        stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
        stub.add_response("put_object", {"ETag": '"x"'})
        assert store.put_if_absent("docs/a.json", b"x")
        stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
        assert store.put_if_match("docs/a.json", b"y", '"x"') is None, "a conflict means a stale tag"
        stub.assert_no_pending_responses()


def test_a_retried_conditional_write_that_landed_counts_as_written():
    """A write whose response was lost is retried by botocore; the retry then fails its own
    precondition. The object holding exactly our bytes tells the two cases apart."""
    store = offline_store()
    data = b"our bytes"
    md5 = hashlib.md5(data).hexdigest()
    retried = {"RetryAttempts": 1}
    with Stubber(store._client) as stub:
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412, response_meta=retried)
        stub.add_response("head_object", {"ETag": f'"{md5}"'})
        assert store.put_if_absent("docs/a.json", data)
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412, response_meta=retried)
        stub.add_response("head_object", {"ETag": '"someone-else"'})
        assert store.put_if_match("docs/a.json", data, '"old"') is None
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412)
        assert store.put_if_absent("docs/a.json", data) is None, "a first-try 412 needs no lookup"
        stub.assert_no_pending_responses()


# -- against SeaweedFS ----------------------------------------------------------------------
def test_keys_live_under_the_prefix_and_an_empty_prefix_works(seaweed, bucket):
    client = seaweed.client()
    s = s3_store(seaweed, f"s3://{bucket}/arch/x/")
    s.put("docs/a.json", b"1")
    root = s3_store(seaweed, f"s3://{bucket}")
    root.put("docs/b.json", b"22")
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["arch/x/docs/a.json", "docs/b.json"]
    assert list(root.scan("docs/")) == [("docs/b.json", 2)]
    assert list(root.list()) == ["arch/x/docs/a.json", "docs/b.json"]
    assert list(s.list()) == ["docs/a.json"]


def test_object_metadata(seaweed, bucket):
    s = s3_store(seaweed, f"s3://{bucket}/m")
    body = gzip.compress(b"<html>x</html>")
    sha = hashlib.sha256(body).hexdigest()
    # (SeaweedFS sniffs the type of bodies sent as application/octet-stream: gzip data becomes
    # application/gzip; any other type is kept as given.)
    assert s.put_if_absent("blobs/x.gz", body, content_type="text/html; charset=utf-8",
                           content_encoding="gzip", sha256=sha)
    s.put("docs/a.json", b"{}", content_type="application/json")
    client = seaweed.client()
    head = client.head_object(Bucket=bucket, Key="m/blobs/x.gz")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["ContentEncoding"] == "gzip"
    assert head["Metadata"] == {"sha256": sha}
    head = client.head_object(Bucket=bucket, Key="m/docs/a.json")
    assert head["ContentType"] == "application/json" and "ContentEncoding" not in head
    assert s.get("blobs/x.gz") == body, "gzip bodies come back as stored, not decoded"
    _, tag = s.get_tagged("docs/a.json")
    assert s.put_if_match("docs/a.json", b"[]", tag, content_type="application/json", sha256="ab")
    assert client.head_object(Bucket=bucket, Key="m/docs/a.json")["Metadata"] == {"sha256": "ab"}


def test_requests_are_counted_per_http_request(seaweed, bucket):
    s = s3_store(seaweed, f"s3://{bucket}/c")
    s.create()  # HEAD bucket
    s.put("k/a", b"1")
    s.put_if_absent("k/a", b"2")  # refused: still one PUT
    s.get("k/a")
    data, tag = s.get_tagged("k/a")
    s.put_if_match("k/a", b"3", tag)
    s.exists("k/a")
    s.exists("k/missing")
    for n in range(4):
        s.put(f"k/{n}", b"x")
    s.list_page_size = 2
    assert len(list(s.list("k/"))) == 5  # 3 pages of at most 2 keys
    s.delete("k/a")
    with pytest.raises(KeyNotFound):
        s.get("k/a")
    assert dict(s.requests) == {"HEAD": 3, "PUT": 7, "GET": 3, "LIST": 3, "DELETE": 1}


def test_bad_credentials_are_a_clear_error_without_the_secret(seaweed, bucket):
    wrong_secret = "wrong-" + seaweed.secret_key[:10]
    s = s3_store(seaweed, f"s3://{bucket}/x", aws_secret_access_key=wrong_secret, max_attempts=1)
    for call in (s.check, lambda: s.put("docs/a.json", b"x"), lambda: s.get("docs/a.json"),
                 lambda: list(s.list())):
        with pytest.raises(StoreError) as err:
            call()
        text = str(err.value)
        assert "secret key does not match" in text and "AWS_SECRET_ACCESS_KEY" in text
        assert wrong_secret not in text and seaweed.secret_key not in text
    unknown = s3_store(seaweed, f"s3://{bucket}/x", aws_access_key_id="AKUNKNOWN0", max_attempts=1)
    with pytest.raises(StoreError, match="does not know this access key") as err:
        unknown.create()
    assert seaweed.secret_key not in str(err.value) and "AKUNKNOWN0" not in str(err.value)
    assert wrong_secret not in repr(s)


def test_unreachable_endpoint_fails_fast(seaweed):
    port = closed_port()
    s = S3Store.from_uri("s3://news/arch", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                         aws_access_key_id="AK", aws_secret_access_key="SK-unreachable",
                         max_attempts=2, connect_timeout=1, read_timeout=2)
    for call in (s.check, lambda: s.get("docs/a.json"), lambda: s.put("docs/a.json", b"x")):
        start = time.monotonic()
        with pytest.raises(StoreError, match=rf"S3 endpoint http://127.0.0.1:{port} is unreachable") as err:
            call()
        assert time.monotonic() - start < 5
        assert "SK-unreachable" not in str(err.value)


def test_silent_endpoint_times_out_clearly():
    with socket.socket() as listener:  # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        s = S3Store.from_uri("s3://news/arch", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                             aws_access_key_id="AK", aws_secret_access_key="SK-silent",
                             max_attempts=1, connect_timeout=1, read_timeout=0.5)
        start = time.monotonic()
        with pytest.raises(StoreError, match=r"did not answer within 0.5 s \(1 attempt\)"):
            s.get("docs/a.json")
        assert time.monotonic() - start < 3


def test_missing_bucket(seaweed):
    s = s3_store(seaweed, "s3://no-such-bucket-here/arch")
    with pytest.raises(StoreError, match="bucket no-such-bucket-here does not exist"):
        s.check()
    with pytest.raises(StoreError, match="create_bucket=True"):
        s.create()
    with pytest.raises(StoreError, match="does not exist") as err:
        s.put("docs/a.json", b"x")
    assert not isinstance(err.value, KeyNotFound)
    with pytest.raises(StoreError, match="does not exist"):
        s.get("docs/a.json")
    with pytest.raises(BadArchiveURI):  # (not an S3 question, but the CLI's first answer)
        open_store("s3://")


def test_create_bucket_when_asked(seaweed):
    s = s3_store(seaweed, "s3://made-by-create/arch", create_bucket=True)
    try:
        s.create()
        s.check()
        s.create()  # again: nothing to do
        s.put("docs/a.json", b"x")
        assert s.get("docs/a.json") == b"x"
    finally:
        seaweed.drop_bucket("made-by-create", missing_ok=True)


def test_archive_round_trip_on_s3(seaweed, bucket):
    archive = Archive(s3_store(seaweed, f"s3://{bucket}/news"))
    body = b"<html><p>Peace talks resumed.</p></html>" * 20
    ref = archive.put_blob(body)
    assert ref.new and not archive.put_blob(body).new, "identical bytes are stored once"
    assert ref.key == blob_key(hashlib.sha256(body).hexdigest())
    assert archive.get_blob(ref.sha256) == body
    assert list(archive.iter_blob_keys()) == [ref.key]
    doc = {"id": "0123456789abcdef", "url": "http://site.test/news/talks", "aliases": [],
           "title": "Talks resume", "text": "Peace talks resumed.", "published": "2026-01-05",
           "site": "Demo", "versions": [{"blob": ref.key}]}
    assert archive.create_document(doc) and not archive.create_document(doc)
    assert archive.load_document(doc["id"]) == doc
    assert list(archive.iter_doc_ids()) == [doc["id"]]
    assert archive.rebuild_listing() == 1
    assert archive.load_listing()[doc["id"]]["title"] == "Talks resume"


def test_cli_on_an_s3_uri_with_credentials_from_the_environment(seaweed, bucket, monkeypatch, capsys,
                                                                tmp_path):
    archive = Archive(s3_store(seaweed, f"s3://{bucket}/news"))
    archive.save_document({"id": "0123456789abcdef", "url": "http://site.test/news/talks", "aliases": [],
                           "title": "Talks resume", "text": "x", "published": "2026-01-05", "site": "Demo",
                           "versions": []})
    archive.rebuild_listing()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "ARCHIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", seaweed.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", seaweed.region)

    assert main(["--archive", f"s3://{bucket}/news", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["0123456789abcdef\t2026-01-05\tTalks resume\thttp://site.test/news/talks"]
    assert main(["--archive", f"s3://{bucket}/news", "show", "0123456789abcdef", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Talks resume"

    assert main(["--archive", "s3://no-such-bucket-here/news", "list"]) == 1
    err = capsys.readouterr().err
    assert "bucket no-such-bucket-here does not exist" in err and len(err.strip().splitlines()) == 1

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-from-env")
    assert main(["--archive", f"s3://{bucket}/news", "list"]) == 1
    err = capsys.readouterr().err
    assert "secret key does not match" in err and "wrong-secret-from-env" not in err


def test_server_killed_then_restarted(tmp_path):
    """A second SeaweedFS, beside the session's one: SIGKILLed, the store fails with a clear
    error; restarted on the same ports and data, the data is back."""
    from tests.seaweed import SeaweedServer, find_weed

    if not find_weed():
        pytest.skip("SeaweedFS `weed` binary not found")
    with SeaweedServer() as sw:
        sw.make_bucket("faults")
        s = s3_store(sw, "s3://faults/arch", max_attempts=1, connect_timeout=1, read_timeout=5)
        s.put("docs/a.json", b"kept")
        sw.kill()
        with pytest.raises(StoreError, match="is unreachable"):
            s.get("docs/a.json")
        sw.start()
        assert s.get("docs/a.json") == b"kept"
        assert s.put_if_absent("docs/a.json", b"new") is None
