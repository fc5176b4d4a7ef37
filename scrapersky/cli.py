"""Command line: `scan`, `extract` and `worker` (`db upgrade` comes from Flask-Migrate)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click
from charset_normalizer import from_bytes
from flask import current_app
from flask.cli import with_appcontext

from scrapersky.extensions import db
from scrapersky.models import TaskStatus
from scrapersky.models.job import find_job, submit_scan
from scrapersky.models.job_states import claim_job
from scrapersky.reports import job_contacts
from scrapersky.schedulers.email_scan_scheduler import run_job, worker_id
from scrapersky.schedulers.runner import start_scheduler, stop_scheduler
from scrapersky.sites import InvalidSiteError, parse_site

CLI_USER = "cli"


@click.command("scan")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Page budget for this scan.")
@with_appcontext
def scan_command(url: str, as_json: bool, max_pages: int | None) -> None:
    """Scan one website now, through the same task code the scheduler runs."""
    try:
        site = parse_site(url)
    except InvalidSiteError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from exc
    if max_pages:
        current_app.config["EMAIL_SCAN_MAX_PAGES"] = max_pages
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job, _ = submit_scan(db.session, site.key, site.start_url, CLI_USER)
    claim = claim_job(db.session, job.id, worker_id(), app.config["EMAIL_SCAN_JOB_LEASE_SECONDS"])
    if claim is None:
        raise click.ClickException(f"a scan of {site.key} is already running (job {job.job_id})")
    db.session.remove()
    show_progress = not as_json and stderr_is_terminal()
    run_job(app, claim, on_progress=print_progress if show_progress else None)
    if show_progress:
        click.echo(err=True)
    job = find_job(db.session, claim.job_id)
    output = scan_output(job)
    click.echo(json.dumps(output, indent=2) if as_json else format_scan(output, job.error))
    sys.exit(0 if job.status == TaskStatus.COMPLETE.value else 1)


def stderr_is_terminal() -> bool:
    """Return whether progress lines would reach a person's terminal."""
    return sys.stderr.isatty()


def print_progress(result: dict[str, Any]) -> None:
    """Redraw one status line on the terminal: pages fetched of budget, addresses found."""
    click.echo(f"\r{result['pages_scanned']}/{result['max_pages']} pages, "
               f"{result['contacts_found']} address(es) found", nl=False, err=True)


def scan_output(job: Any) -> dict[str, Any]:
    """Return the `scan --json` document for a finished job."""
    contacts = job_contacts(db.session, job.job_id)
    return {
        "job_id": job.job_id,
        "status": job.status,
        "error": job.error,
        "pages_scanned": (job.result_data or {}).get("pages_scanned", 0),
        "emails": [
            {"email": c.email, "email_type": c.email_type, "source_url": c.source_url,
             "context": c.context}
            for c in contacts
        ],
    }


def format_scan(output: dict[str, Any], error: str | None) -> str:
    """Return a scan result for people to read."""
    lines = [f"job {output['job_id']}: {output['status']}, "
             f"{output['pages_scanned']} page(s) scanned"]
    if error:
        lines.append(f"error: {error}")
    lines += [f"  {e['email']:<40} {e['email_type']:<10} {e['source_url']}"
              for e in output["emails"]]
    return "\n".join(lines)


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print {FILE: [email, ...]} as JSON.")
def extract_command(files: tuple[str, ...], as_json: bool) -> None:
    """Extract addresses from local HTML or text files with the scanner's own extractor."""
    results = {name: [f.email for f in extract_file(Path(name))] for name in files}
    if as_json:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
        return
    for name, emails in results.items():
        click.echo(f"{name}: {len(emails)} address(es)")
        for email in emails:
            click.echo(f"  {email}")


def extract_file(path: Path) -> list[Any]:
    """Return the findings of one file, read as HTML unless it is plain text."""
    from scrapersky.scraping.emails import extract_emails, extract_emails_from_text

    raw = path.read_bytes()
    best = from_bytes(raw).best()
    text = str(best) if best is not None else raw.decode("utf-8", errors="replace")
    if path.suffix.lower() in {".txt", ".text"} or "<" not in text:
        return extract_emails_from_text(text)
    return extract_emails(text)


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run the scheduler in this process until SIGTERM or Ctrl-C."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    start_scheduler(app)
    click.echo(f"worker polling every {app.config['EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES']} "
               "minute(s); stop with SIGTERM or Ctrl-C", err=True)
    stop.wait()
    grace = app.config["EMAIL_SCAN_SHUTDOWN_GRACE_SECONDS"]
    click.echo(f"worker stopping: no new claims; running scans get {grace:g} s", err=True)
    stop_scheduler(grace)
