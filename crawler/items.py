"""What spiders hand to the pipelines. Raw bodies never travel in items: the snapshot
middleware stores them and puts the blob key here."""
from dataclasses import dataclass, field


@dataclass
class ArticlePage:
    url: str                      # as fetched (after redirects)
    article: dict                 # archive.extract.Article.to_dict()
    fetched_at: str
    status: int = 200
    content_type: str | None = None
    blob: str | None = None       # set by SnapshotMiddleware
    body_sha256: str | None = None
    body_size: int | None = None
    warc: dict | None = None      # {"file", "offset", "length"} of its WARC record
    redirects: list = field(default_factory=list)
    etag: str | None = None           # validators, for a conditional request next time
    last_modified: str | None = None
    seq: int | None = None        # the page's place in the filing order (ArchiveExtension.ticket)


@dataclass
class NotModifiedPage:
    """A conditional request answered 304: the archived copy is current (no body, no extraction)."""
    url: str
    fetched_at: str
    status: int = 304
    response_headers: list = field(default_factory=list)
    request_headers: list = field(default_factory=list)
    wire: dict = field(default_factory=dict)   # reason, protocol, method, ip_address, for the WARC record
