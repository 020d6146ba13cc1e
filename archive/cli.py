"""The ``archive`` command: browse, export and check an archive.

The library does the work; this module parses arguments and prints.
"""
from __future__ import annotations

import json
import sys

import click

from .archive import Archive, ArchiveError, archive_stats
from .store import DEFAULT_ARCHIVE_URI, StoreError
from .verify import verify as verify_archive


def _open(ctx: click.Context) -> Archive:
    uri = ctx.obj["uri"]
    try:
        return Archive.open(uri)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


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
@click.version_option(package_name="newsarchive")
@click.pass_context
def cli(ctx, uri):
    """Browse, export and check a news archive.

    Example:

        archive --archive ./archive-data list
    """
    ctx.ensure_object(dict)["uri"] = uri


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of listing entries.")
@click.pass_context
def list_cmd(ctx, as_json):
    """List documents: id, published date, title, URL; newest first.

    Example:

        archive list | head
    """
    archive = _open(ctx)
    try:
        entries = sorted(archive.load_listing().values(),
                         key=lambda e: (e.get("published") or "", e["id"]), reverse=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _dump(entries)
        return
    for e in entries:
        title = (e.get("title") or "").replace("\t", " ")
        click.echo(f"{e['id']}\t{(e.get('published') or '-')[:10]}\t{title}\t{e.get('url')}")


@cli.command()
@click.argument("id_or_url")
@click.option("--json", "as_json", is_flag=True, help="Print the stored JSON record.")
@click.pass_context
def show(ctx, id_or_url, as_json):
    """Show one document, by id, canonical URL or any URL it was seen at.

    Example:

        archive show 3f2a9c0d1e4b5a67
    """
    archive = _open(ctx)
    try:
        doc = archive.find(id_or_url)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _dump(doc)
        return
    click.secho(doc.get("title") or "(no title)", bold=True)
    meta = [("id", doc["id"]), ("url", doc["url"]), ("published", doc.get("published")),
            ("author", doc.get("author")), ("site", doc.get("site"))]
    for name, value in meta:
        if value:
            click.echo(f"{name + ':':11}{value}")
    for alias in doc.get("aliases") or ():
        click.echo(f"{'alias:':11}{alias}")
    versions = doc.get("versions") or []
    click.echo(f"versions:  {len(versions)}")
    for n, v in enumerate(versions, 1):
        click.echo(f"  {n}. {v.get('fetched_at')}  simhash {v.get('simhash')}  text {str(v.get('text_sha256'))[:12]}"
                   f"  {v.get('url')}")
    click.echo()
    click.echo(doc.get("text") or "")


@cli.command()
@click.pass_context
def export(ctx):
    """Print every document as JSON Lines (full records) on standard output.

    Example:

        archive export > documents.jsonl
    """
    archive = _open(ctx)
    out = sys.stdout
    try:
        with _progress("exporting", total=len(archive.load_listing())) as advance:
            for doc in archive.iter_documents():
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
                advance()
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx, as_json):
    """Counts: documents, versions, blobs and bytes, and the last crawl's figures.

    Example:

        archive stats --json
    """
    archive = _open(ctx)
    try:
        s = archive_stats(archive)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _dump(s)
        return
    click.echo(f"archive:    {s['archive']}")
    click.echo(f"documents:  {s['documents']}")
    click.echo(f"versions:   {s['versions']}")
    click.echo(f"aliases:    {s['aliases']}")
    click.echo(f"blobs:      {s['blobs']} ({s['blob_bytes']:,} bytes stored)")
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
    """Check every document parses and every blob it names exists and matches its digest.

    Exits 1 and lists the problems if there are any.

    Example:

        archive verify && echo clean
    """
    archive = _open(ctx)
    checked = 0
    problems = []
    try:
        with _progress("verifying", total=len(archive.load_listing())) as advance:
            def tick(_doc_id):
                nonlocal checked
                checked += 1
                advance()

            for problem in verify_archive(archive, on_doc=tick):
                problems.append(problem)
                click.echo(problem)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {checked} document(s)")
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

    from .session import CrawlSession
    archive = _open(ctx)
    if not Path(spool_dir).is_dir():
        raise click.ClickException(f"no spool folder at {spool_dir}")
    session = CrawlSession(archive, spider="flush", spool_dir=spool_dir, warmup_pages=0)
    waiting = len(session.spooled_pages())
    try:
        filed = session.replay_spool()
        report = session.finish()
    except StoreError as exc:
        raise click.ClickException(f"store failed: {exc}; the spool is kept") from None
    left = report["counts"].get("archive/spool/pages_waiting", 0)
    click.echo(f"filed {filed} of {waiting} spooled pages; "
               f"{report['counts'].get('archive/spool/warc_files_recovered', 0)} WARC files uploaded; {left} left")
    if left:
        raise click.ClickException(f"{left} pages are still waiting in {spool_dir}")


@cli.command()
@click.pass_context
def reindex(ctx):
    """Rebuild the listing index from the documents (after a crash or a manual change).

    Example:

        archive reindex
    """
    archive = _open(ctx)
    n = archive.rebuild_listing()
    click.echo(f"listing rebuilt: {n} documents")


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
