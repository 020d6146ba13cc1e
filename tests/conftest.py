import pytest

from archive.store import LocalStore


@pytest.fixture(params=["local"])
def store(request, tmp_path):
    """Every store backend, for the contract tests (S3 joins when its backend lands)."""
    if request.param == "local":
        s = LocalStore(tmp_path / "store")
        s.create()
        return s
    raise AssertionError(request.param)
