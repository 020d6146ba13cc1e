"""``archive schedule ...``: check, show and run the crawl schedules of a TOML file
(the work is done by :mod:`archive.schedule`; this module parses and prints)."""
from __future__ import annotations

import logging
import signal
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click

from . import schedule as sched


def _load(path: str):
    try:
        return sched.load(path)
    except sched.ScheduleError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("schedule")
def schedule_group():
    """Scheduled crawls: a TOML file of cron schedules, posted to scrapyd.

    Example:

        archive schedule check deploy/schedules.toml
    """


@schedule_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--scrapyd", "ask_scrapyd", is_flag=True,
              help="Also ask each node (listspiders.json) whether it has the project and spider.")
def check_cmd(file, ask_scrapyd):
    """Validate a schedule file: spiders, cron expressions, time zones, nodes, required settings.

    Exits 1 with every problem, one per line.

    Example:

        archive schedule check deploy/schedules.toml
    """
    schedules = _load(file)
    problems = []
    if ask_scrapyd:
        for s in schedules:
            for node in s.nodes:
                try:
                    spiders = sched.Scrapyd(node, retries=1, backoff=0.2).spiders(s.project)
                except (sched.ScrapydDown, ValueError) as exc:
                    problems.append(f"schedule {s.name!r}: node {node}: {exc}")
                    continue
                if s.spider not in spiders:
                    problems.append(f"schedule {s.name!r}: node {node} has no spider {s.spider!r} in project "
                                    f"{s.project!r} (it has: {', '.join(sorted(spiders)) or 'none'})")
    if problems:
        raise click.ClickException(f"{file}: " + "; ".join(problems))
    click.echo(f"ok: {len(schedules)} schedule(s) in {file}")


@schedule_group.command("next")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--count", "-n", type=click.IntRange(min=1), default=3, show_default=True,
              help="Fire times to show per schedule.")
def next_cmd(file, count):
    """Print each schedule's next fire times (jitter included), in its time zone and in UTC.

    Example:

        archive schedule next deploy/schedules.toml -n 5
    """
    now = datetime.now(timezone.utc)
    for s in _load(file):
        for when in sched.next_runs(s, now, count):
            local = when.astimezone(ZoneInfo(s.timezone))
            click.echo(f"{s.name}\t{s.spider}\t{local.isoformat()}\t{when.astimezone(timezone.utc).isoformat()}")


@schedule_group.command("crontab")
@click.argument("file", type=click.Path(dir_okay=False))
def crontab_cmd(file):
    """Print a crontab with one curl line per schedule: the plain-cron alternative to
    `archive schedule run` (no overlap check, retries or coalescing beyond curl's own).

    Example:

        archive schedule crontab deploy/schedules.toml | crontab -
    """
    click.echo(sched.crontab(_load(file)), nl=False)


@schedule_group.command("run")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--state", "state_path", default="schedule-state.sqlite", show_default=True,
              type=click.Path(dir_okay=False), help="SQLite file of the scheduler's state.")
@click.option("--retries", type=click.IntRange(min=0), default=5, show_default=True,
              help="Retries of each scrapyd request, with exponential backoff.")
@click.option("--backoff", type=float, default=1.0, show_default=True,
              help="Backoff factor in seconds (1, 2, 4... between retries, at most 60).")
@click.option("--once", is_flag=True, help="Handle what is due now, then exit (for a cron job or a test).")
def run_cmd(file, state_path, retries, backoff, once):
    """Post each schedule's runs to scrapyd at its fire times; log every decision on one line.

    Skips a run while the previous one of that schedule is pending or running, retries with
    backoff while scrapyd is down, and after the scheduler's own downtime coalesces the missed
    runs of a schedule into one.

    Example:

        archive schedule run deploy/schedules.toml --state /var/lib/newsarchive/schedule.sqlite
    """
    schedules = _load(file)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    state = sched.State(state_path)
    scheduler = sched.Scheduler(schedules, state,
                                client_factory=lambda node: sched.Scrapyd(node, retries=retries, backoff=backoff))
    if once:
        scheduler.tick()
        state.close()
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))   # systemd / docker stop: a clean exit
    logging.getLogger("archive.schedule").info(
        "scheduler started: %d schedule(s) from %s, state %s", len(schedules), file, state_path)
    try:
        scheduler.run()
    except KeyboardInterrupt:
        pass
    finally:
        state.close()
