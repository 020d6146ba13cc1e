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
