import gzip
import hashlib
import io
import json
import random
import threading

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.store import LocalStore
from archive.warc import (REVISIT_PROFILE, WarcError, WarcRef, WarcWriter, digest_hex, read_cdxj,
                          recover_spool, surt, warc_date, warc_digest)

HTML = "text/html; charset=utf-8"


def page(i: int, size: int = 0) -> bytes:
    filler = "".join(f"<p>paragraph {i}.{j} of the article</p>" for j in range(size // 40))
    return f"<html><head><title>Article {i}</title></head><body>{filler}</body></html>".encode()


def fetch(url, body, when="2026-01-05T10:00:00Z"):
    return dict(url=url, fetched_at=when, status=200, reason="OK",
                response_headers=[("Content-Type", HTML), ("Content-Length", str(len(body)))],
                request_headers=[("User-Agent", "newsarchive-test")])


@pytest.fixture
def store(tmp_path):
    s = LocalStore(tmp_path / "store")
    s.create()
    return s


def records(data: bytes):
    """(offset, length, record, content) of every record of a WARC file."""
    it = ArchiveIterator(io.BytesIO(data))
    out = []
    for rec in it:
        content = rec.content_stream().read()
        out.append((it.get_record_offset(), it.get_record_length(), rec, content))
    return out


def record_at(data: bytes, offset: int, length: int):
    member = data[offset:offset + length]
    assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")  # exactly one whole member
    rec = next(iter(ArchiveIterator(io.BytesIO(member))))
    return rec, rec.content_stream().read()


def test_digest_date_and_surt_helpers():
    hexd = hashlib.sha256(b"x").hexdigest()
    assert warc_digest(hexd).startswith("sha256:") and digest_hex(warc_digest(hexd)) == hexd
    assert digest_hex("sha256:" + hexd.upper()) == hexd
    assert warc_date("2026-01-05T10:00:00Z") == "2026-01-05T10:00:00Z"
    assert warc_date("2026-01-05T12:00:00+02:00") == "2026-01-05T10:00:00Z"
    assert warc_date("20260105100000") == "2026-01-05T10:00:00Z"
    assert surt("http://www.Example.com/News/X?b=2&a=1#top") == "com,example)/news/x?a=1&b=2"
    assert surt("https://example.com:8443") == "com,example:8443)/"
    assert surt("https://example.com:443/a") == "com,example)/a"


def test_responses_revisits_roll_and_index(store, tmp_path):
    spool = tmp_path / "spool"
    originals = {}
    writer = WarcWriter(store, "c1", spool_dir=spool, max_file_size=6000, operator="Test Ops",
                        lookup_original=lambda sha: originals.get(sha))
    rng = random.Random(1)
    big = page(99, 300_000) + bytes(rng.getrandbits(8) for _ in range(50_000))
    bodies = [page(i, 1500) for i in range(6)] + [big]
    written = []  # (ref, url, kind, body sha256)
    for i, body in enumerate(bodies):
        url = f"http://www.example.com/news/{i}"
        sha = hashlib.sha256(body).hexdigest()
        ref = writer.write(**fetch(url, body), body=body, payload_sha256=sha, is_new_payload=True)
        originals[sha] = (url, "2026-01-05T10:00:00Z")
        written.append((ref, url, "response", sha))
    for i in range(3):  # the same payloads again, at other URLs: revisits
        body = bodies[i]
        url = f"http://example.com/index.php/news/{i}?utm_source=x"
        sha = hashlib.sha256(body).hexdigest()
        ref = writer.write(**fetch(url, body, "2026-01-06T10:00:00Z"), body=body,
                           payload_sha256=sha, is_new_payload=False)
        written.append((ref, url, "revisit", sha))
    # identical payload whose first capture is unknown: a full response instead
    unknown = b"<html>unknown original</html>"
    ref = writer.write(**fetch("http://example.com/u", unknown), body=unknown, is_new_payload=False)
    written.append((ref, "http://example.com/u", "response", hashlib.sha256(unknown).hexdigest()))

    keys = writer.close()
    assert keys == writer.files() == sorted(keys)
    assert len(keys) >= 3 and keys[0] == "warc/c1-00001.warc.gz"
    assert [k for k in store.list("warc/") if k.endswith(".warc.gz")] == keys
    assert list(spool.iterdir()) == []  # uploaded, then removed locally
    with pytest.raises(WarcError):
        writer.write_response(**fetch("http://example.com/late", b"x"), body=b"x")

    body_by_sha = {hashlib.sha256(b).hexdigest(): b for b in bodies + [unknown]}
    for key in keys:
        data = store.get(key)
        recs = records(data)
        info = recs[0][2]
        assert info.rec_type == "warcinfo"
        assert info.rec_headers.get_header("WARC-Filename") == key.split("/")[1]
        fields = recs[0][3].decode()
        assert "format: WARC File Format 1.1" in fields and "operator: Test Ops" in fields
        assert "isPartOf: c1" in fields and "software: newsarchive/0.1" in fields
        assert all(r.rec_headers.protocol == "WARC/1.1" for _, _, r, _ in recs)
        types = [r.rec_type for _, _, r, _ in recs[1:]]
        assert types[0::2] == ["request"] * (len(types) // 2) and len(types) % 2 == 0
        assert set(types[1::2]) <= {"response", "revisit"}
        for (_, _, req, _), (_, _, resp, content) in zip(recs[1::2], recs[2::2]):
            h = resp.rec_headers
            assert req.rec_headers.get_header("WARC-Concurrent-To") == h.get_header("WARC-Record-ID")
            assert h.get_header("WARC-Concurrent-To") == req.rec_headers.get_header("WARC-Record-ID")
            assert req.rec_headers.get_header("WARC-Target-URI") == h.get_header("WARC-Target-URI")
            digest = h.get_header("WARC-Payload-Digest")
            assert digest.startswith("sha256:")
            assert h.get_header("WARC-Block-Digest").startswith("sha256:")
            if resp.rec_type == "response":
                assert digest == warc_digest(hashlib.sha256(content).hexdigest())
                assert digest_hex(digest) in body_by_sha
                assert content == body_by_sha[digest_hex(digest)]
            else:
                assert content == b""  # headers only
                assert h.get_header("WARC-Profile") == REVISIT_PROFILE
                assert h.get_header("WARC-Refers-To-Target-URI").startswith("http://www.example.com/news/")
                assert h.get_header("WARC-Refers-To-Date") == "2026-01-05T10:00:00Z"
                assert resp.http_headers.get_statuscode() == "200"
    assert len(store.get(keys[0])) >= 6000  # rolled once it reached max_file_size

    for ref, url, kind, sha in written:
        assert isinstance(ref, WarcRef) and ref.file in keys
        rec, content = record_at(store.get(ref.file), ref.offset, ref.length)
        assert rec.rec_type == kind
        assert rec.rec_headers.get_header("WARC-Target-URI") == url
        assert digest_hex(rec.rec_headers.get_header("WARC-Payload-Digest")) == sha
        if kind == "response":
            assert hashlib.sha256(content).hexdigest() == sha

    # CDXJ: one file per WARC, sorted, pointing at the records
    lines = []
    for key in keys:
        raw = store.get(key[: -len(".warc.gz")] + ".cdxj").decode().splitlines()
        assert raw == sorted(raw)
        lines += raw
    assert len(lines) == len(written)
    by_url = {url: (ref, kind, sha) for ref, url, kind, sha in written}
    entries = list(read_cdxj(store))
    assert len(entries) == len(written)
    for line, entry in zip(lines, entries):
        urlkey, ts, js = line.split(" ", 2)
        fields = json.loads(js)
        assert set(fields) == {"url", "mime", "status", "digest", "length", "offset", "filename"}
        assert entry == {"urlkey": urlkey, "timestamp": ts, "file": entry["file"], **fields}
        ref, kind, sha = by_url[fields["url"]]
        assert urlkey == surt(fields["url"]) and len(ts) == 14
        assert entry["file"] == ref.file and fields["filename"] == ref.file.split("/")[1]
        assert (int(fields["offset"]), int(fields["length"])) == (ref.offset, ref.length)
        assert fields["digest"] == warc_digest(sha) and fields["status"] == "200"
        assert fields["mime"] == ("warc/revisit" if kind == "revisit" else "text/html")
        rec, _ = record_at(store.get(ref.file), ref.offset, ref.length)
        assert rec.rec_headers.get_header("WARC-Target-URI") == fields["url"]
    assert lines[0].startswith("com,example)/")

    # a later writer for the same crawl continues the numbering instead of overwriting
    again = WarcWriter(store, "c1", spool_dir=spool)
    again.write_response(**fetch("http://example.com/z", b"z"), body=b"z")
    n = int(keys[-1][-len("00001.warc.gz"):-len(".warc.gz")])
    assert again.close() == [f"warc/c1-{n + 1:05d}.warc.gz"]


def test_recover_spool_uploads_unclosed_file_and_cuts_partial_tail(store, tmp_path):
    spool = tmp_path / "spool"
    writer = WarcWriter(store, "dead", spool_dir=spool)
    refs = [writer.write_response(**fetch(f"http://example.com/{i}", page(i, 2000)), body=page(i, 2000))
            for i in range(5)]
    live = spool / "dead-00001.warc.gz"
    assert recover_spool(store, spool) == []  # held open by a live writer: left alone
    assert live.exists() and not store.exists("warc/dead-00001.warc.gz")

    # the crawl "dies": its spool file stays behind, the last record cut in the middle
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    data = live.read_bytes()
    cut = refs[-1].offset + refs[-1].length // 2
    (crashed / live.name).write_bytes(data[:cut])
    # and another one that died right after a whole record, plus garbage
    (crashed / "dead-00002.warc.gz").write_bytes(data[:refs[1].offset + refs[1].length] + b"\x1f\x8b\x08")

    assert recover_spool(store, crashed) == ["warc/dead-00001.warc.gz", "warc/dead-00002.warc.gz"]
    assert list(crashed.iterdir()) == []
    first = store.get("warc/dead-00001.warc.gz")
    assert first == data[:refs[-1].offset]  # everything before the partial member
    recs = records(first)
    # the request of the cut-off fetch was whole: it stays (a valid record with no response)
    assert [r.rec_type for _, _, r, _ in recs] == ["warcinfo"] + ["request", "response"] * 4 + ["request"]
    assert len(records(store.get("warc/dead-00002.warc.gz"))) == 5
    entries = [e for e in read_cdxj(store) if e["file"] == "warc/dead-00001.warc.gz"]
    assert sorted(int(e["offset"]) for e in entries) == [r.offset for r in refs[:4]]
    assert recover_spool(store, crashed) == []  # idempotent

    writer.close()  # the live one still closes normally
    assert store.get("warc/dead-00001.warc.gz") == data


class FailingStore(LocalStore):
    fail = True

    def put(self, key, data, **options):
        if self.fail:
            raise OSError("bucket unreachable")
        super().put(key, data, **options)


def test_failed_upload_keeps_file_for_recovery(tmp_path):
    store = FailingStore(tmp_path / "store")
    store.create()
    spool = tmp_path / "spool"
    writer = WarcWriter(store, "f", spool_dir=spool)
    writer.write_response(**fetch("http://example.com/a", b"a"), body=b"a")
    with pytest.raises(WarcError, match="spool"):
        writer.close()
    assert (spool / "f-00001.warc.gz").exists()
    store.fail = False
    assert writer.close() == ["warc/f-00001.warc.gz"]  # close retries
    assert list(spool.iterdir()) == []


def test_concurrent_writers_lose_nothing(store, tmp_path):
    writer = WarcWriter(store, "mt", spool_dir=tmp_path / "spool", max_file_size=20_000)
    refs, errors = [], []

    def work(t):
        try:
            for i in range(50):
                body = page(t * 100 + i, 300)
                refs.append((writer.write_response(**fetch(f"http://example.com/{t}/{i}", body),
                                                   body=body), f"http://example.com/{t}/{i}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    keys = writer.close()
    assert not errors and len(refs) == 200 and len(keys) > 1
    urls = set()
    for key in keys:
        recs = records(store.get(key))
        assert recs[0][2].rec_type == "warcinfo"
        types = [r.rec_type for _, _, r, _ in recs[1:]]
        assert types == ["request", "response"] * (len(types) // 2)
        urls |= {r.rec_headers.get_header("WARC-Target-URI") for _, _, r, _ in recs[2::2]}
    assert urls == {u for _, u in refs}
    for ref, url in refs:
        rec, _ = record_at(store.get(ref.file), ref.offset, ref.length)
        assert rec.rec_headers.get_header("WARC-Target-URI") == url
    assert len(list(read_cdxj(store))) == 200


def _cdxj_indexer(path) -> bytes:
    """What the cdxj-indexer command (PyPI cdxj-indexer, pywb's indexer) prints for a file."""
    import subprocess
    import sys
    from pathlib import Path
    exe = Path(sys.executable).parent / "cdxj-indexer"
    return subprocess.run([str(exe), "--sort", str(path)], check=True, capture_output=True).stdout


def test_cdxj_is_byte_for_byte_what_cdxj_indexer_writes(store, tmp_path):
    writer = WarcWriter(store, "idx", spool_dir=tmp_path / "spool", max_file_size=3000)
    body = page(1, 400)
    urls = ["http://www.example.com/2026/01/some-story/", "http://example.com/?p=12",
            "https://Example.com:8443/a/b/?y=2&x=1", "http://example.com/index.php/news/x?utm_source=a",
            "http://example.com/2026/01/some-story"]
    for i, url in enumerate(urls):
        writer.write(**fetch(url, body if i != 2 else page(2)), body=body if i != 2 else page(2))
    writer.write(url="http://example.com/gone", fetched_at="2026-01-05T10:00:00Z", status=404,
                 reason="Not Found", response_headers=[("Content-Type", "text/html")], body=b"<p>gone</p>",
                 request_headers=[])
    writer.write(url="http://example.com/old/", fetched_at="2026-01-05T10:00:00Z", status=301,
                 reason="Moved Permanently", response_headers=[("Location", "http://example.com/new/")],
                 body=b"", request_headers=[])
    keys = writer.close()
    assert len(keys) > 1   # several files, each with its own index
    keys_seen = set()
    for key in keys:
        local = tmp_path / key.split("/")[1]
        local.write_bytes(store.get(key))
        ours = store.get(key[: -len(".warc.gz")] + ".cdxj")
        assert ours and ours == _cdxj_indexer(local)
        keys_seen |= {line.split(" ", 1)[0] for line in ours.decode().splitlines()}
    # real SURTs: no trailing slash, no slash before '?', www. dropped, query sorted
    assert {"com,example)/2026/01/some-story", "com,example)/?p=12", "com,example:8443)/a/b?x=1&y=2",
            "com,example)/gone", "com,example)/old"} <= keys_seen


def test_records_hold_the_exchange_as_transferred_without_credentials(store, tmp_path):
    writer = WarcWriter(store, "wire", spool_dir=tmp_path / "spool")
    html = page(7, 2000)
    body = gzip.compress(html, mtime=0)
    headers = [(b"Server", b"nginx"), (b"ETag", b'"abc"'), (b"x-lower-case", b"v\xe9"),
               (b"Content-Encoding", b"gzip"), (b"Content-Length", str(len(body)).encode())]
    sent = [(b"User-Agent", b"ua"), (b"Authorization", b"Basic dTpw"), (b"Proxy-Authorization", b"Basic eDp5"),
            (b"cookie", b"session=secret"), (b"Accept-Encoding", b"gzip, deflate, br"), (b"Host", b"example.com")]
    ref = writer.write(url="http://user:pass@example.com/a/", fetched_at="2026-01-05T10:00:00Z", status=200,
                       reason=b"Fine Thanks", protocol="HTTP/1.0", response_headers=headers, body=body,
                       request_headers=sent, ip_address="127.0.0.9")
    writer.close()
    data = store.get(ref.file)
    recs = records(data)
    req = next(r for _, _, r, _ in recs if r.rec_type == "request")
    rec, content = record_at(data, ref.offset, ref.length)
    raw = gzip.decompress(data[ref.offset:ref.offset + ref.length])
    block = raw.split(b"\r\n\r\n", 1)[1]
    assert block.startswith(b"HTTP/1.0 200 Fine Thanks\r\nServer: nginx\r\nETag: \"abc\"\r\n"
                            b"x-lower-case: v\xe9\r\nContent-Encoding: gzip\r\n")
    assert block.endswith(b"\r\n\r\n" + body + b"\r\n\r\n")   # the payload as transferred: still gzip
    assert rec.rec_headers.get_header("WARC-Payload-Digest") == warc_digest(hashlib.sha256(body).hexdigest())
    assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.9"
    for r in (rec, req):
        assert r.rec_headers.get_header("WARC-Target-URI") == "http://example.com/a/"
    req_raw = gzip.decompress(data).split(b"WARC-Type: request", 1)[1].split(b"WARC/1.1", 1)[0]
    assert b"GET /a/ HTTP/1.0\r\nUser-Agent: ua\r\nAccept-Encoding: gzip, deflate, br\r\nHost: example.com\r\n" in req_raw
    for secret in (b"Authorization", b"dTpw", b"eDp5", b"ookie", b"secret", b"pass@"):
        assert secret not in gzip.decompress(data)
    import subprocess
    import sys
    from pathlib import Path
    local = tmp_path / "wire.warc.gz"
    local.write_bytes(data)
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v", str(local)],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout


def test_revisits_name_the_original_response_across_crawls(store, tmp_path):
    from archive.warc import ArchiveOriginals
    body = page(3, 1000)
    first = WarcWriter(store, "one", spool_dir=tmp_path / "s1")
    orig = first.write(**fetch("http://example.com/x/", body, "2026-01-05T10:00:00Z"), body=body)
    first.write(**fetch("http://example.com/x/?utm_source=a", body, "2026-01-05T10:00:01Z"), body=body)
    first.close()
    orig_rec, _ = record_at(store.get(orig.file), orig.offset, orig.length)
    orig_id = orig_rec.rec_headers.get_header("WARC-Record-ID")

    second = WarcWriter(store, "two", spool_dir=tmp_path / "s2", lookup_original=ArchiveOriginals(store))
    refs = [second.write(**fetch(url, body, "2026-01-06T10:00:00Z"), body=body)
            for url in ("http://example.com/x/", "http://example.com/x/?utm_source=b", "http://example.com/?p=3")]
    second.close()
    for ref in refs:
        rec, content = record_at(store.get(ref.file), ref.offset, ref.length)
        h = rec.rec_headers
        assert rec.rec_type == "revisit" and content == b""
        assert h.get_header("WARC-Refers-To") == orig_id
        assert h.get_header("WARC-Refers-To-Target-URI") == "http://example.com/x/"
        assert h.get_header("WARC-Refers-To-Date") == "2026-01-05T10:00:00Z"
        assert h.get_header("WARC-Profile") == REVISIT_PROFILE


def test_ensure_stored_uploads_the_file_a_document_will_name(store, tmp_path):
    writer = WarcWriter(store, "ord", spool_dir=tmp_path / "spool")
    ref = writer.write(**fetch("http://example.com/a", b"a"), body=b"a")
    assert not store.exists(ref.file)
    writer.ensure_stored({ref.file})
    assert store.exists(ref.file) and store.exists(ref.file[:-len(".warc.gz")] + ".cdxj")
    later = writer.write(**fetch("http://example.com/b", b"b"), body=b"b")
    assert later.file != ref.file   # the stored file is never appended to
    writer.ensure_stored({ref.file})   # nothing to do
    with pytest.raises(WarcError):
        writer.ensure_stored({"warc/nowhere-00001.warc.gz"})
    assert writer.close() == [ref.file, later.file]
