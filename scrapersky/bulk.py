"""Queue many sites at once: lines from a textarea or a CSV file, one outcome per line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from scrapersky.sites import InvalidSiteError, parse_site
from scrapersky.submission import check_pending_limit, queue_site

MAX_BULK_SITES = 500
MAX_BULK_FILE_BYTES = 512_000
SITE_COLUMNS = ("url", "website", "domain", "site")


class BulkInputError(ValueError):
    """The list as a whole cannot be used (too long, unreadable)."""


@dataclass(frozen=True)
class Entry:
    """One submitted value and where it came from ("line 3", "CSV row 2")."""

    where: str
    value: str


@dataclass(frozen=True)
class Outcome:
    """What happened to one entry: queued, active (already), duplicate or invalid."""

    entry: Entry
    outcome: str
    detail: str = ""
    host: str | None = None
    job_id: str | None = None


def entries_from_text(text: str | None) -> list[Entry]:
    """Return the non-blank lines of a textarea, numbered from 1."""
    lines = (text or "").splitlines()
    return [Entry(f"line {number}", line.strip())
            for number, line in enumerate(lines, start=1) if line.strip()]


def entries_from_csv(data: bytes) -> list[Entry]:
    """Return the sites of a CSV file: its url/website/domain/site column when a header
    names one, else the first column; blank cells are skipped."""
    text = _decode(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = read_csv_rows(text, dialect)
    column, start = 0, 0
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    named = [name for name in SITE_COLUMNS if name in header]
    if named:
        column, start = header.index(named[0]), 1
    return [Entry(f"CSV row {number}", row[column].strip())
            for number, row in enumerate(rows[start:], start=start + 1)
            if len(row) > column and row[column].strip()]


def read_csv_rows(text: str, dialect: type[csv.Dialect] | csv.Dialect) -> list[list[str]]:
    """Return the rows of a CSV text, or raise BulkInputError naming the row that cannot be
    read (a cell over the csv module's limit of 128 kB, an unclosed quote)."""
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return list(reader)
    except csv.Error as exc:
        raise BulkInputError(f"The CSV file cannot be read at line {reader.line_num}: "
                             f"{exc}.") from exc


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def check_entries(entries: list[Entry]) -> list[Entry]:
    """Return the entries, or raise BulkInputError when there are none or too many."""
    if not entries:
        raise BulkInputError("Paste at least one website or choose a CSV file.")
    if len(entries) > MAX_BULK_SITES:
        raise BulkInputError(f"At most {MAX_BULK_SITES} sites at once; "
                             f"this list has {len(entries)}.")
    return entries


def submit_entries(entries: list[Entry], user_id: str) -> list[Outcome]:
    """Queue a scan per valid entry through the shared submit path; one outcome each.
    Nothing is queued when the entries would take the user past the pending-job cap."""
    check_pending_limit(user_id, len(entries))
    outcomes: list[Outcome] = []
    seen: dict[str, str] = {}
    for entry in entries:
        try:
            site = parse_site(entry.value)
        except InvalidSiteError as exc:
            outcomes.append(Outcome(entry, "invalid", f"Website {exc}."))
            continue
        if site.key in seen:
            outcomes.append(Outcome(entry, "duplicate", f"same site as {seen[site.key]}",
                                    site.key))
            continue
        seen[site.key] = entry.where
        job, deduplicated = queue_site(site, user_id)
        outcomes.append(Outcome(entry, "active" if deduplicated else "queued", "",
                                job.domain.host, job.job_id))
    return outcomes


def summarise(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """Return how many entries had each outcome."""
    counts = dict.fromkeys(("queued", "active", "duplicate", "invalid"), 0)
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    return counts
