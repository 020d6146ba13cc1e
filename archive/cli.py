"""The ``archive`` command: browse, export and check an archive.

The library does the work; this module parses arguments and prints.
"""
from __future__ import annotations

import json
import sqlite3
import sys

import click

from .archive import Archive, ArchiveError, archive_stats
from .prefetch import ordered
from .store import DEFAULT_ARCHIVE_URI, StoreError
from .verify import verify as verify_archive


def _open(ctx: click.Context, *, write: bool = False) -> Archive:
    uri = ctx.obj["uri"]
    try:
        archive = Archive.open(uri)
        if write:
            archive.store.check_writes()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    archive.catalog_path = ctx.obj.get("catalog")
    return archive


def _one_line(text) -> str:
    """A title or URL on one line: newlines, tabs and runs of spaces become one space."""
    return " ".join(str(text or "").split())


class _progress:
    """A progress bar on standard error for long work, when it is a terminal (never in pipes)."""

    def __init__(self, label: str, total: int | None):
        self.label, self.total, self._bar = label, total, None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress
            self._bar = Progress(transient=True, console=Console(stderr=True))
            self._bar.start()
            task = self._bar.add_task(self.label, total=self.total)
            return lambda n=1: self._bar.advance(task, n)
        return lambda n=1: None

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()


def _dump(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--archive", "uri", envvar="ARCHIVE_URI", default=DEFAULT_ARCHIVE_URI, show_default=True,
              metavar="URI", help="Archive to read: a folder, file:///abs/path or s3://bucket/prefix "
                                  "(default: $ARCHIVE_URI, else ./archive-data).")
@click.option("--catalog", "catalog", envvar="ARCHIVE_CATALOG", default=None, metavar="PATH",
              type=click.Path(dir_okay=False),
              help="Local SQLite catalogue of the archive (default: $ARCHIVE_CATALOG, else "
                   "$XDG_CACHE_HOME/newsarchive/<hash of the URI>.sqlite). A cache: safe to delete.")
@click.version_option(package_name="newsarchive")
@click.pass_context
def cli(ctx, uri, catalog):
    """Browse, export and check a news archive.

    Example:

        archive --archive ./archive-data list
    """
    ctx.ensure_object(dict).update(uri=uri, catalog=catalog)


def _date(ctx, param, value):
    if value is None:
        return None
    import re
    if not re.match(r"^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2})?Z?)?)?)?$", value):
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY)")
    return value


_since = click.option("--since", callback=_date, metavar="DATE",
                      help="Only documents published on or after DATE (YYYY-MM-DD).")
_until = click.option("--until", callback=_date, metavar="DATE",
                      help="Only documents published on or before DATE (the whole day included).")
_site = click.option("--site", metavar="NAME", help="Only documents of this site (as `list` prints it).")


@cli.command("list")
@_site
@_since
@_until
@click.option("--search", metavar="TEXT", help="Only documents whose title or text has every word of TEXT "
                                               "(SQLite FTS5 in the local catalogue).")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N documents.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of listing entries.")
@click.pass_context
def list_cmd(ctx, site, since, until, search, limit, as_json):
    """List documents: id, published date, title, URL; newest first.

    Read from the local catalogue, which first syncs the listing segments it has not seen
    (and, with --search, indexes the text of documents it has not indexed yet).

    Example:

        archive list --site Demo --since 2026-01-01 --search "peace talks" --limit 20
    """
    archive = _open(ctx)
    catalog = archive.catalog()
    if search:
        catalog.sync_texts()
    entries = catalog.entries(site=site, since=since, until=until, search=search, limit=limit)
    if as_json:
        click.echo("[", nl=False)
        for n, e in enumerate(entries):
            click.echo(("," if n else "") + "\n" + json.dumps(e, ensure_ascii=False), nl=False)
        click.echo("\n]")
        return
    for e in entries:
        click.echo(f"{e['id']}\t{(e.get('published') or '-')[:10]}\t{_one_line(e.get('title'))}\t"
                   f"{_one_line(e.get('url'))}")


@cli.command()
@click.argument("id_or_url")
@click.option("--json", "as_json", is_flag=True, help="Print the stored JSON record.")
@click.option("--version", "version", type=int, metavar="N", help="Print the text of version N (1 is the first).")
@click.pass_context
def show(ctx, id_or_url, as_json, version):
    """Show one document, by id, canonical URL or any URL it was seen at.

    Example:

        archive show 3f2a9c0d1e4b5a67 --version 1
    """
    archive = _open(ctx)
    try:
        doc = archive.find(id_or_url)
        version_text = None if version is None else archive.version_text(doc, version)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    _with_last_seen(archive.catalog(), [doc])
    if version_text is not None:
        v = doc["versions"][version - 1]
        click.secho(f"{doc.get('title') or '(no title)'}  [version {version} of {len(doc['versions'])}, "
                    f"{v.get('fetched_at')}, {v.get('url')}]", bold=True)
        click.echo(version_text)
        return
    if as_json:
        _dump(doc)
        return
    click.secho(doc.get("title") or "(no title)", bold=True)
    meta = [("id", doc["id"]), ("url", doc["url"]), ("published", doc.get("published")),
            ("author", doc.get("author")), ("site", doc.get("site")), ("first seen", doc.get("first_seen")),
            ("last seen", doc.get("last_seen"))]
    for name, value in meta:
        if value:
            click.echo(f"{name + ':':12}{value}")
    for alias in doc.get("aliases") or ():
        click.echo(f"{'alias:':12}{alias}")
    versions = doc.get("versions") or []
    click.echo(f"versions:  {len(versions)}")
    for n, v in enumerate(versions, 1):
        click.echo(f"  {n}. {v.get('fetched_at')}  simhash {v.get('simhash')}  text {str(v.get('text_sha256'))[:12]}"
                   f"  {v.get('url')}")
    click.echo()
    click.echo(doc.get("text") or "")


def _with_last_seen(catalog, docs) -> None:
    """A 304 writes no document: the catalogue knows from the CDXJ when one of its URLs was last
    confirmed unchanged, which may be later than the document's own ``last_seen``."""
    catalog.sync_not_modified()
    for doc in docs:
        doc["last_seen"] = catalog.last_seen(doc)


@cli.command()
@click.argument("id_or_url")
@click.argument("versions", nargs=-1, type=int)
@click.pass_context
def diff(ctx, id_or_url, versions):
    """Print what changed between two versions of a document (a unified diff, one paragraph per
    line); the latest two unless version numbers A B are given.

    Example:

        archive diff 3f2a9c0d1e4b5a67 1 2
    """
    from .history import diff_versions
    if len(versions) not in (0, 2):
        raise click.ClickException("give two version numbers, or none for the latest two")
    archive = _open(ctx)
    try:
        doc = archive.find(id_or_url)
        click.echo(diff_versions(archive, doc, *versions) or "(the two texts are the same)")
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@_site
@_since
@_until
@click.pass_context
def export(ctx, site, since, until):
    """Print documents as JSON Lines (full records) on standard output; all of them, or those
    the filters select (from the catalogue, in id order).

    Example:

        archive export --since 2026-01-01 > documents.jsonl
    """
    archive = _open(ctx)
    out = sys.stdout
    filtered = bool(site or since or until)
    catalog = archive.catalog()
    if filtered:
        ids = (e["id"] for e in catalog.entries(site=site, since=since, until=until, order="id"))
        total = None
    else:
        ids, total = archive.iter_doc_ids(), catalog.count()
    catalog.sync_not_modified()
    with _progress("exporting", total=total) as advance:
        for doc in ordered(archive.load_document, ids):   # reads run a few ahead (GETs on S3)
            doc["last_seen"] = catalog.last_seen(doc)
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            advance()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--scan", is_flag=True, help="Count blobs and bytes by listing the store (slow on large "
                                           "archives) instead of adding up the crawl reports.")
@click.pass_context
def stats(ctx, as_json, scan):
    """Counts: documents, versions, blobs and bytes, and the last crawl's figures.

    Totals come from the local catalogue: the listing, and each crawl report read once.

    Example:

        archive stats --json
    """
    archive = _open(ctx)
    s = archive_stats(archive, scan=scan)
    if as_json:
        _dump(s)
        return
    click.echo(f"archive:    {s['archive']}")
    click.echo(f"documents:  {s['documents']}")
    click.echo(f"versions:   {s['versions']}")
    click.echo(f"aliases:    {s['aliases']}")
    click.echo(f"sites:      {s['sites']}")
    click.echo(f"blobs:      {s['blobs']} ({s['blob_bytes']:,} bytes stored; from the {s['counted_from']})")
    if "document_bytes" in s:
        click.echo(f"doc JSON:   {s['document_bytes']:,} bytes")
    click.echo(f"crawls:     {s['crawls']}")
    last = s["last_crawl"]
    if last:
        c = last["counts"]
        click.echo(f"last crawl: {last['crawl_id']} ({last.get('spider')}), finished {last.get('finished_at')}, "
                   f"{last.get('elapsed_seconds')} s")
        for key in sorted(c):
            if key.startswith("archive/") or key == "response_received_count":
                click.echo(f"  {key}: {c[key]}")


@cli.command()
@click.option("--quiet", "-q", is_flag=True, help="Print only the problems.")
@click.pass_context
def verify(ctx, quiet):
    """Check every document parses, every blob it names exists and matches its digest, and the
    listing (through the catalogue) agrees with the documents. Memory stays flat: what was
    seen is kept in a temporary SQLite file.

    Exits 1 and lists the problems if there are any.

    Example:

        archive verify && echo clean
    """
    archive = _open(ctx)
    checked = 0
    problems = 0
    catalog = archive.catalog()
    with _progress("verifying", total=catalog.count()) as advance:
        def tick(_doc_id):
            nonlocal checked
            checked += 1
            advance()

        for problem in verify_archive(archive, on_doc=tick, catalog=catalog):
            problems += 1
            click.echo(problem)
    if problems:
        raise click.ClickException(f"{problems} problem(s) in {checked} document(s)")
    if not quiet:
        click.echo(f"ok: {checked} documents verified")


@cli.command()
@click.option("--spool", "spool_dir", default=".archive-spool", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Spool folder of the crawl (JOBDIR/archive-spool with JOBDIR).")
@click.pass_context
def flush(ctx, spool_dir):
    """File what a crawl left in its local spool when the store failed, and upload its WARC files.

    Example:

        archive --archive s3://news/archive flush --spool crawls/job1/archive-spool
    """
    from pathlib import Path

    from .session import CrawlSession, SpoolBusy
    archive = _open(ctx, write=True)
    if not Path(spool_dir).is_dir():
        raise click.ClickException(f"no spool folder at {spool_dir}")
    root = Path(spool_dir)
    # A crawl's own spool, or the folder of per-crawl spools (.archive-spool/<crawl-id>/).
    spools = [root] if (root / "pages").is_dir() else sorted(p for p in root.iterdir() if (p / "pages").is_dir())
    filed = waiting = uploaded = left = 0
    for spool in spools:
        try:
            session = CrawlSession(archive, spider="flush", spool_dir=spool, warmup_pages=0)
        except SpoolBusy as exc:
            raise click.ClickException(str(exc)) from None
        waiting += len(session.spooled_pages())
        try:
            filed += session.replay_spool()
            report = session.finish()
        except StoreError as exc:
            raise click.ClickException(f"store failed: {exc}; the spool is kept") from None
        finally:
            session.close()
        left += report["counts"].get("archive/spool/pages_waiting", 0)
        uploaded += report["counts"].get("archive/spool/warc_files_recovered", 0)
    click.echo(f"filed {filed} of {waiting} spooled pages; {uploaded} WARC files uploaded; {left} left")
    if left:
        raise click.ClickException(f"{left} pages are still waiting in {spool_dir}")


@cli.command()
@click.pass_context
def reindex(ctx):
    """Rebuild the listing index from the documents (after a crash or a manual change), and
    name in index/warcs/ the WARC index files no segment names.

    Example:

        archive reindex
    """
    from .warcindex import name_unnamed
    archive = _open(ctx, write=True)
    n = archive.rebuild_listing()
    click.echo(f"listing rebuilt: {n} documents")
    named = name_unnamed(archive.store)
    if named:
        click.echo(f"WARC index files named in index/warcs/: {named}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of summaries.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True,
              help="Show the newest N crawls.")
@click.pass_context
def crawls(ctx, as_json, limit):
    """List crawl reports, newest first: id, spider, scrapyd job, start, duration, pages,
    articles, decisions, 304s, errors and finish reason. Failed crawls are marked FAILED.

    Example:

        archive crawls --limit 5
    """
    from .crawls import iter_summaries
    archive = _open(ctx)
    rows = list(iter_summaries(archive, limit))
    if as_json:
        _dump(rows)
        return
    click.echo("crawl\tspider\tjob\tstarted\tseconds\tpages\tarticles\tnew/version/alias/unchanged/not-modified"
               "\terrors\tfinish")
    for r in rows:
        decisions = "/".join(str(r[k]) for k in ("new", "version", "alias", "unchanged", "not_modified"))
        finish = f"FAILED {r['finish_reason']}" if r["failed"] else r["finish_reason"]
        click.echo(f"{r['crawl_id']}\t{r['spider']}\t{r['job'] or '-'}\t{r['started_at']}\t{r['elapsed_seconds']}"
                   f"\t{r['pages']}\t{r['articles']}\t{decisions}\t{r['errors']}\t{finish}")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--crawl", "crawl_id", metavar="ID", help="Only the WARC files of this crawl.")
@click.option("--since", callback=_date, metavar="DATE", help="Only the WARC files of crawls started on or after DATE.")
@click.pass_context
def wacz(ctx, out, crawl_id, since):
    """Package WARC files, their CDXJ, the archived pages (url, ts, title, text) and a manifest
    as a WACZ 1.2.0 file, for ReplayWeb.page or pywb.

    Example:

        archive wacz news.wacz --since 2026-01-01
    """
    from .wacz import write_wacz
    if crawl_id and since:
        raise click.UsageError("give --crawl or --since, not both")
    package = write_wacz(_open(ctx), out, crawl=crawl_id, since=since)
    warcs = sum(1 for r in package["resources"] if r["path"].startswith("archive/"))
    click.echo(f"{out}: {warcs} WARC files, {sum(r['bytes'] for r in package['resources'])} bytes")


from .schedule_cmd import schedule_group  # noqa: E402 - `archive schedule ...` (scheduled crawls)

cli.add_command(schedule_group)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (tests call ``main([...])``)."""
    try:
        cli.main(args=argv, prog_name="archive", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (StoreError, ArchiveError) as exc:   # mid-command: one line, never a traceback
        click.echo(f"Error: {exc}", err=True)
        return 1
    except sqlite3.Error as exc:
        click.echo(f"Error: the local catalogue failed ({exc}); it is a cache: delete it or give "
                   "another with --catalog", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
