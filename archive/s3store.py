"""The S3 backend: an archive in a bucket of any S3-compatible service (AWS S3, MinIO, SeaweedFS,
R2, Ceph), through boto3.

    store = S3Store.from_uri("s3://news/archive", endpoint_url="http://127.0.0.1:8333")

Keys are stored as ``<prefix>/<key>``. Configuration follows Scrapy: explicit options (see
:func:`s3_options_from_settings` for the ``AWS_*`` settings), and whatever is not given comes from
boto3's own chain (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``,
``AWS_PROFILE``, ``~/.aws/config``...). Credentials never go in the URI, and never come out in
``repr()``, ``uri`` or error messages.

Conditional writes use S3's ``If-None-Match: *`` (``put_if_absent``) and ``If-Match: <etag>``
(``put_if_match``), so several crawlers can share one bucket without losing updates.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets as _secrets
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from .store import BadArchiveURI, KeyNotFound, Store, StoreError, _check_key

__all__ = ["S3Store", "s3_options_from_settings"]

# Bucket names as S3 accepts them (dots and underscores are tolerated for older buckets).
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")

# Operation -> request kind counted in ``Store.requests``.
_OPERATION_KINDS = {
    "PutObject": "PUT",
    "CreateBucket": "PUT",
    "GetObject": "GET",
    "HeadObject": "HEAD",
    "HeadBucket": "HEAD",
    "ListObjectsV2": "LIST",
    "ListObjects": "LIST",
    "DeleteObject": "DELETE",
    "DeleteObjects": "DELETE",
    "DeleteBucket": "DELETE",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool_setting(name: str, value: Any, *, allow_path: bool = False):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    text = str(value).strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    if allow_path:  # AWS_VERIFY may name a CA bundle, as botocore's ``verify`` does
        return text
    raise ValueError(f"{name} must be a boolean (1/0/true/false), got {value!r}")


def s3_options_from_settings(settings) -> dict:
    """:meth:`S3Store.from_uri` keyword options from Scrapy-style settings (anything with
    ``.get(name)``): ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
    ``AWS_ENDPOINT_URL``, ``AWS_REGION_NAME``, ``AWS_USE_SSL``, ``AWS_VERIFY``. Unset, ``None`` or
    empty settings are left out, so boto3's own chain fills them in."""
    names = {
        "AWS_ACCESS_KEY_ID": "aws_access_key_id",
        "AWS_SECRET_ACCESS_KEY": "aws_secret_access_key",
        "AWS_SESSION_TOKEN": "aws_session_token",
        "AWS_ENDPOINT_URL": "endpoint_url",
        "AWS_REGION_NAME": "region_name",
        "AWS_USE_SSL": "use_ssl",
        "AWS_VERIFY": "verify",
        "ARCHIVE_SINGLE_WRITER": "single_writer",
    }
    options: dict = {}
    for setting, option in names.items():
        value = settings.get(setting)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if setting in ("AWS_USE_SSL", "ARCHIVE_SINGLE_WRITER"):
            value = _bool_setting(setting, value)
        elif setting == "AWS_VERIFY":
            value = _bool_setting(setting, value, allow_path=True)
        else:
            value = str(value).strip()
        options[option] = value
    return options


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, prefix)`` of ``s3://bucket/prefix``; the prefix has no leading or trailing
    slash (``""`` for the whole bucket). Refuses credentials in the URI without repeating them."""
    parts = urlsplit(uri.strip())
    if parts.scheme.lower() != "s3":
        raise BadArchiveURI(f"not an s3:// URI: {uri!r}")
    netloc = parts.netloc
    if "@" in netloc:
        raise BadArchiveURI("credentials do not belong in an s3:// archive URI: give them as "
                            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (environment, settings or "
                            "~/.aws), and name the archive as s3://bucket/prefix")
    bucket = netloc
    if not bucket:
        raise BadArchiveURI(f"an s3:// archive URI names a bucket: s3://bucket/prefix, got {uri!r}")
    if not _BUCKET_RE.match(bucket) or ".." in bucket:
        raise BadArchiveURI(f"invalid S3 bucket name {bucket!r} in {uri!r} (3-63 lower-case letters, "
                            "digits, dots or hyphens)")
    if parts.query or parts.fragment:
        raise BadArchiveURI(f"an s3:// archive URI takes no query or fragment: {uri!r}")
    prefix = unquote(parts.path).strip("/")
    if prefix and any(p in ("", ".", "..") for p in prefix.split("/")):
        raise BadArchiveURI(f"invalid prefix {prefix!r} in {uri!r} (no empty, '.' or '..' parts)")
    return bucket, prefix


_loader = None
_loader_lock = threading.Lock()


def _new_session(**options) -> boto3.session.Session:
    """A fresh boto3 session (its own credentials, region, profile and environment lookups) whose
    botocore data loader is shared by every store: the service models are read from disk once per
    process instead of once per store (~0.3 s each)."""
    global _loader
    core = botocore.session.get_session()
    with _loader_lock:
        if _loader is None:
            _loader = core.get_component("data_loader")
        else:
            core.register_component("data_loader", _loader)
        session = boto3.session.Session(botocore_session=core, **options)
        # boto3 appends its own data folder to the loader's search path for every session.
        _loader.search_paths[:] = list(dict.fromkeys(_loader.search_paths))
    return session


def _display_endpoint(url: str | None) -> str:
    """An endpoint URL without any user:password part."""
    if not url:
        return "the default S3 endpoint"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


class S3Store(Store):
    """Keys under ``prefix/`` in one bucket. One boto3 client per store, shared by all threads."""

    list_page_size = 1000  # keys per LIST request (S3's maximum)

    def __init__(self, bucket: str, prefix: str = "", *,
                 aws_access_key_id: str | None = None,
                 aws_secret_access_key: str | None = None,
                 aws_session_token: str | None = None,
                 endpoint_url: str | None = None,
                 region_name: str | None = None,
                 use_ssl: bool | None = None,
                 verify: bool | str | None = None,
                 max_pool_connections: int = 10,
                 retry_mode: str = "standard",
                 max_attempts: int = 5,
                 connect_timeout: float = 5,
                 read_timeout: float = 30,
                 addressing_style: str | None = None,
                 create_bucket: bool = False,
                 single_writer: bool | None = None):
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._key_prefix = f"{self.prefix}/" if self.prefix else ""
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.create_bucket = create_bucket
        if single_writer is None:
            single_writer = _bool_setting("ARCHIVE_SINGLE_WRITER", os.environ.get("ARCHIVE_SINGLE_WRITER") or "0")
        self.single_writer = single_writer
        self.conditional_writes: bool | None = None   # what the probe found (None: not probed)
        self.max_attempts = max_attempts
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

        config = Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            **({"s3": {"addressing_style": addressing_style}} if addressing_style else {}),
        )
        client_options: dict = {"config": config}
        if endpoint_url:
            client_options["endpoint_url"] = endpoint_url
        if use_ssl is not None:
            client_options["use_ssl"] = use_ssl
        if verify is not None:
            client_options["verify"] = verify
        try:
            session = _new_session(
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                aws_session_token=aws_session_token,
                region_name=region_name,
            )
            self._client = session.client("s3", **client_options)
        except BotoCoreError as exc:  # e.g. AWS_PROFILE names no profile
            secrets = (aws_access_key_id, aws_secret_access_key, aws_session_token)
            raise StoreError(f"cannot set up the S3 client for {self.uri}: "
                             f"{self._scrub(str(exc), *secrets)}") from None
        except ValueError:  # botocore: "Invalid endpoint: ..."
            raise StoreError(f"cannot set up the S3 client for {self.uri}: invalid endpoint URL "
                             f"{_display_endpoint(endpoint_url)!r}") from None
        self.endpoint = _display_endpoint(self._client.meta.endpoint_url)
        self._secrets = self._known_secrets(session, aws_access_key_id, aws_secret_access_key,
                                            aws_session_token)
        # Count every HTTP request, retries and list pages included, as it is sent.
        self._client.meta.events.register("before-send.s3", self._on_send)

    @classmethod
    def from_uri(cls, uri: str, **options) -> "S3Store":
        """The store for ``s3://bucket/prefix``; ``options`` as for the constructor. Options left
        ``None`` come from boto3's chain (environment, ``AWS_PROFILE``, ``~/.aws/config``)."""
        bucket, prefix = parse_s3_uri(uri)
        return cls(bucket, prefix, **options)

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r}, endpoint={self.endpoint!r})"

    __str__ = __repr__

    # -- the Store interface -----------------------------------------------------------
    def put(self, key, data, **options):
        full = self._full(key)
        try:
            self._client.put_object(Bucket=self.bucket, Key=full, Body=data, **self._metadata(options))
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, f"write {key}") from exc

    def put_if_absent(self, key, data, **options):
        full = self._full(key)
        extra = self._metadata(options)
        for attempt in range(max(3, self.max_attempts)):
            try:
                response = self._client.put_object(Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*",
                                                   **extra)
                return response["ETag"]
            except ClientError as exc:
                code = _code(exc)
                if code == "PreconditionFailed":
                    # After a retried request the object may be our own first attempt's.
                    return self._holds(full, data) if _retried(exc) else None
                if code == "ConditionalRequestConflict":  # another conditional write in flight
                    time.sleep(0.05 * 2 ** attempt)
                    continue
                raise self._error(exc, f"create {key}") from exc
            except BotoCoreError as exc:
                raise self._error(exc, f"create {key}") from exc
        raise StoreError(f"cannot create {key} in {self.uri}: concurrent conditional writes to it kept "
                         "conflicting (S3 409 ConditionalRequestConflict)")

    def get(self, key):
        return self._get(key)[0]

    def get_tagged(self, key):
        return self._get(key)

    def put_if_match(self, key, data, etag, **options):
        full = self._full(key)
        try:
            response = self._client.put_object(Bucket=self.bucket, Key=full, Body=data, IfMatch=etag,
                                               **self._metadata(options))
            return response["ETag"]
        except ClientError as exc:
            code = _code(exc)
            if code == "PreconditionFailed":
                return self._holds(full, data) if _retried(exc) else None
            if code in ("NoSuchKey", "ConditionalRequestConflict"):
                # Missing, or being rewritten by someone else right now: the tag is stale either way.
                return None
            raise self._error(exc, f"update {key}") from exc
        except BotoCoreError as exc:
            raise self._error(exc, f"update {key}") from exc

    def exists(self, key):
        full = self._full(key)
        try:
            self._client.head_object(Bucket=self.bucket, Key=full)
            return True
        except ClientError as exc:
            if _status(exc) == 404 and _code(exc) != "NoSuchBucket":
                return False
            raise self._error(exc, f"look up {key}") from exc
        except BotoCoreError as exc:
            raise self._error(exc, f"look up {key}") from exc

    def scan(self, prefix=""):
        """Lazily, page by page (S3 lists keys in UTF-8 binary order, which is Python's ``str``
        order); each page is one LIST request."""
        start = len(self._key_prefix)
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self._key_prefix + prefix,
                                   PaginationConfig={"PageSize": self.list_page_size})
        try:
            for page in pages:
                for obj in page.get("Contents", ()):
                    key = obj["Key"][start:]
                    if key and not key.endswith("/"):  # skip "folder" marker objects
                        yield key, obj["Size"]
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, f"list keys under {prefix or '/'}") from exc

    def delete(self, key):
        full = self._full(key)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=full)
        except ClientError as exc:
            if _code(exc) == "NoSuchKey":
                return
            raise self._error(exc, f"delete {key}") from exc
        except BotoCoreError as exc:
            raise self._error(exc, f"delete {key}") from exc

    def check(self):
        """Raise :class:`StoreError` unless the bucket exists and these credentials may use it."""
        if not self._bucket_exists():
            raise StoreError(f"bucket {self.bucket} does not exist at {self.endpoint}")

    def create(self):
        """Check the bucket; create it only if it is missing and ``create_bucket=True`` was given."""
        if self._bucket_exists():
            return
        if not self.create_bucket:
            raise StoreError(f"bucket {self.bucket} does not exist at {self.endpoint} (create it, or "
                             "open the store with create_bucket=True)")
        params: dict = {"Bucket": self.bucket}
        region = self._client.meta.region_name
        if region and region not in ("us-east-1", "aws-global"):
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(**params)
        except ClientError as exc:
            if _code(exc) not in ("BucketAlreadyOwnedByYou",):
                raise self._error(exc, f"create bucket {self.bucket}") from exc
        except BotoCoreError as exc:
            raise self._error(exc, f"create bucket {self.bucket}") from exc

    def check_writes(self):
        """Probe once that the service honours ``If-None-Match: *`` and ``If-Match`` (AWS S3 since
        2024, MinIO, SeaweedFS, R2 do; some gateways and older services ignore them and overwrite).
        A store that ignores them is refused, unless ``single_writer`` (``ARCHIVE_SINGLE_WRITER=1``)
        says only one crawl ever writes to this archive at a time."""
        if self.conditional_writes is not None:
            return
        self.conditional_writes = honoured = self._probe_conditional_writes()
        if honoured:
            return
        if self.single_writer:
            import logging
            logging.getLogger(__name__).warning(
                "%s ignores conditional writes; going on because ARCHIVE_SINGLE_WRITER is set: two crawls "
                "writing to %s at once would overwrite each other's documents", self.endpoint, self.uri)
            return
        raise StoreError(
            f"refusing to write to {self.uri}: {self.endpoint} ignores conditional writes (If-None-Match: *, "
            "If-Match), so two crawls would silently overwrite each other's documents; use a service that "
            "honours them (AWS S3, MinIO, SeaweedFS, R2), or set ARCHIVE_SINGLE_WRITER=1 if only one crawl "
            "ever writes to this archive at a time")

    def _probe_conditional_writes(self) -> bool:
        key = f"index/.probe/conditional-writes-{_secrets.token_hex(8)}"
        try:
            first = self.put_if_absent(key, b"probe 1")
            if not first:
                return False
            if self.put_if_absent(key, b"probe 2") is not None:
                return False          # If-None-Match: * ignored: the object was overwritten
            if self.put_if_match(key, b"probe 3", '"00000000000000000000000000000000"') is not None:
                return False          # If-Match ignored
            if self.put_if_match(key, b"probe 4", first) is None:
                raise StoreError(f"cannot write to {self.uri}: {self.endpoint} refused a conditional write "
                                 "(If-Match) with the entity tag it had just returned")
            return self.get(key) == b"probe 4"
        except StoreError as exc:
            if "refused a conditional write" in str(exc):
                raise
            raise StoreError(f"cannot write to {self.uri}: the conditional-write probe failed ({exc})") from None
        finally:
            try:
                self.delete(key)
            except StoreError:
                pass

    # -- internals -----------------------------------------------------------------------
    def _full(self, key: str) -> str:
        return self._key_prefix + _check_key(key)

    @staticmethod
    def _metadata(options: dict) -> dict:
        extra: dict = {}
        if options.get("content_type"):
            extra["ContentType"] = options["content_type"]
        if options.get("content_encoding"):
            extra["ContentEncoding"] = options["content_encoding"]
        if options.get("sha256"):
            extra["Metadata"] = {"sha256": options["sha256"]}
        return extra

    def _get(self, key: str) -> tuple[bytes, str]:
        full = self._full(key)
        attempts = max(1, self.max_attempts)
        for attempt in range(attempts):
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=full)
            except ClientError as exc:
                if _code(exc) == "NoSuchKey":
                    raise KeyNotFound(key) from None
                raise self._error(exc, f"read {key}") from exc
            except BotoCoreError as exc:  # botocore has already retried what can be retried
                raise self._error(exc, f"read {key}") from exc
            try:
                return response["Body"].read(), response["ETag"]
            except (ResponseStreamingError, ReadTimeoutError, IncompleteReadError) as exc:
                # The body broke off mid-way: botocore retries only until the headers arrive.
                if attempt + 1 == attempts:
                    raise self._error(exc, f"read {key}") from exc
                time.sleep(min(0.1 * 2 ** attempt, 2.0))
        raise AssertionError("unreachable")

    def _holds(self, full: str, data: bytes) -> str | None:
        """The object's ETag if it is exactly ``data`` (ETag = MD5 for single-part, unencrypted
        puts): a write whose response was lost and retried may have landed on the first attempt."""
        try:
            etag = self._client.head_object(Bucket=self.bucket, Key=full)["ETag"]
        except ClientError:
            return None
        except BotoCoreError as exc:
            raise self._error(exc, f"look up {full}") from exc
        return etag if etag.strip('"') == hashlib.md5(data, usedforsecurity=False).hexdigest() else None

    def _bucket_exists(self) -> bool:
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return True
        except ClientError as exc:
            status = _status(exc)
            if status == 404 or _code(exc) in ("NoSuchBucket", "404"):
                return False
            if status not in (400, 401, 403):
                raise self._error(exc, f"open bucket {self.bucket}") from exc
        except BotoCoreError as exc:
            raise self._error(exc, f"open bucket {self.bucket}") from exc
        # HEAD answers carry no error code: ask again with a LIST to say *why* it was refused.
        try:
            self._client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
            return True
        except ClientError as exc:
            if _code(exc) == "NoSuchBucket":
                return False
            raise self._error(exc, f"open bucket {self.bucket}") from exc
        except BotoCoreError as exc:
            raise self._error(exc, f"open bucket {self.bucket}") from exc

    def _on_send(self, request=None, event_name: str = "", **kwargs):
        operation = event_name.rsplit(".", 1)[-1]
        self._count(_OPERATION_KINDS.get(operation, operation.upper()))
        return None  # a handler's non-None answer would replace the HTTP response

    @staticmethod
    def _known_secrets(session, *given) -> tuple[str, ...]:
        secrets = [s for s in given if s]
        try:
            creds = session.get_credentials()  # cached by botocore: the client resolved them
        except BotoCoreError:
            creds = None
        if creds is not None:
            secrets += [s for s in (creds.access_key, creds.secret_key, creds.token) if s]
        return tuple(sorted(set(secrets), key=len, reverse=True))

    @staticmethod
    def _scrub(text: str, *secrets) -> str:
        for secret in secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _error(self, exc: Exception, action: str) -> StoreError:
        """One clear sentence for a botocore failure, without credentials in it."""
        where = self.endpoint
        doing = f"cannot {action} in {self.uri}"
        tries = f"{self.max_attempts} attempt{'s' if self.max_attempts != 1 else ''}"
        if isinstance(exc, ClientError):
            code, status = _code(exc), _status(exc)
            message = exc.response.get("Error", {}).get("Message") or ""
            if code == "NoSuchBucket" or (status == 404 and code in ("404", "NotFound")):
                text = f"{doing}: bucket {self.bucket} does not exist at {where}"
            elif code == "InvalidAccessKeyId":
                text = (f"{doing}: {where} does not know this access key (check AWS_ACCESS_KEY_ID and "
                        "the endpoint)")
            elif code == "SignatureDoesNotMatch":
                text = (f"{doing}: {where} refused the request signature: the secret key does not "
                        "match the access key (check AWS_SECRET_ACCESS_KEY)")
            elif code in ("ExpiredToken", "InvalidToken", "TokenRefreshRequired"):
                text = f"{doing}: the AWS session token is invalid or expired (check AWS_SESSION_TOKEN)"
            elif code in ("AccessDenied", "AllAccessDisabled", "403") or status == 403:
                text = (f"{doing}: access denied by {where} (check the credentials and their "
                        f"permissions on bucket {self.bucket})")
            else:
                sent = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
                text = (f"{doing}: {where} answered HTTP {status} {code}"
                        + (f" ({message.rstrip('.')})" if message else "")
                        + (f" after {sent} attempts" if sent > 1 else ""))
        elif isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            text = (f"{doing}: no complete AWS credentials found (set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give them as options)")
        elif isinstance(exc, ConnectTimeoutError):
            text = (f"{doing}: S3 endpoint {where} did not accept a connection within "
                    f"{self.connect_timeout} s ({tries})")
        elif isinstance(exc, EndpointConnectionError):
            text = (f"{doing}: S3 endpoint {where} is unreachable (connection failed, "
                    f"{tries})")
        elif isinstance(exc, ReadTimeoutError):
            text = (f"{doing}: S3 endpoint {where} did not answer within {self.read_timeout} s "
                    f"({tries})")
        else:
            text = f"{doing}: {type(exc).__name__}: {exc}"
        return StoreError(self._scrub(text, *self._secrets))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def _retried(exc: ClientError) -> bool:
    return exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
