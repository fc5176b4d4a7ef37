"""Prometheus metrics: scan counters and durations recorded by the scheduler, job states
counted at scrape time, and the time of the scheduler's last tick."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from scrapersky.extensions import db
from scrapersky.models import TaskStatus

logger = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS_SECONDS = (1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

# Our own registry: process-wide counters that every app of this process shares, kept
# apart from prometheus_client's global one.
REGISTRY = CollectorRegistry(auto_describe=True)
SCANS_STARTED = Counter("scrapersky_scans_started", "Scans this process started.",
                        registry=REGISTRY)
SCANS_FINISHED = Counter("scrapersky_scans_finished", "Scans that ended COMPLETE.",
                         registry=REGISTRY)
SCANS_FAILED = Counter("scrapersky_scans_failed", "Scans that ended FAILED.", registry=REGISTRY)
SCANS_REQUEUED = Counter("scrapersky_scans_requeued",
                         "Scans handed back to PENDING (retry after a transient error, "
                         "shutdown).", registry=REGISTRY)
PAGES_FETCHED = Counter("scrapersky_pages_fetched", "Pages fetched by scans.",
                        registry=REGISTRY)
SCAN_DURATION = Histogram("scrapersky_scan_duration_seconds", "Wall time of one scan run.",
                          buckets=DURATION_BUCKETS_SECONDS, registry=REGISTRY)
LAST_TICK = Gauge("scrapersky_scheduler_last_tick_timestamp_seconds",
                  "Unix time of this process's last scheduler tick (0: none yet).",
                  registry=REGISTRY)
_OUTCOME_COUNTERS = {
    TaskStatus.COMPLETE.value: SCANS_FINISHED,
    TaskStatus.FAILED.value: SCANS_FAILED,
    TaskStatus.PENDING.value: SCANS_REQUEUED,
}
_last_tick_monotonic: float | None = None


def record_tick() -> None:
    """Note that the scheduler polled now."""
    global _last_tick_monotonic
    _last_tick_monotonic = time.monotonic()
    LAST_TICK.set_to_current_time()


def last_tick_age_seconds() -> float | None:
    """Return seconds since this process's last scheduler tick, None if it never ticked."""
    if _last_tick_monotonic is None:
        return None
    return round(time.monotonic() - _last_tick_monotonic, 3)


def record_scan_started() -> float:
    """Count a scan run starting; return its start time for `record_scan_ended`."""
    SCANS_STARTED.inc()
    return time.monotonic()


def record_scan_ended(status: str, started: float, result: dict[str, Any]) -> None:
    """Count how a scan run ended, its duration and the pages it fetched (from the last
    result it reported, so no query is spent on it)."""
    SCAN_DURATION.observe(time.monotonic() - started)
    counter = _OUTCOME_COUNTERS.get(status)
    if counter is not None:
        counter.inc()
    PAGES_FETCHED.inc(pages_fetched(result))


def pages_fetched(result: dict[str, Any]) -> int:
    """Return how many pages a scan's result says it fetched (from its crawl counters)."""
    crawl = result.get("crawl") or {}
    return int(crawl.get("fetched", result.get("pages_scanned", 0)) or 0)


class JobStateCollector(Collector):
    """Jobs by state, counted in the database at scrape time (needs an app context)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("scrapersky_jobs", "Jobs by state.", labels=["status"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from scrapersky.reports import count_jobs_by_status

        family = GaugeMetricFamily("scrapersky_jobs", "Jobs by state.", labels=["status"])
        try:
            counts = count_jobs_by_status(db.session)
        except Exception:  # a scrape must answer even when the database does not
            logger.warning("could not count jobs for /metrics", exc_info=True)
            db.session.rollback()
            return
        for status in TaskStatus:
            family.add_metric([status.value], counts.get(status.value, 0))
        yield family


def render_metrics() -> bytes:
    """Return every metric in the Prometheus text format (call inside an app context)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(JobStateCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # gunicorn with a shared metrics folder: add up every worker's counters.
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY) + generate_latest(registry)
