"""Start the polling scheduler: in the one designated gunicorn worker, or in `flask worker`."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click
from flask import Flask

from scrapersky.extensions import scheduler
from scrapersky.schedulers.email_scan_scheduler import (
    SCHEDULER_JOB_ID,
    ScanPool,
    register_email_scan_job,
)

logger = logging.getLogger(__name__)
LOCK_RETRY_SECONDS = 5.0
_held_lock: IO[str] | None = None
_pool: ScanPool | None = None


def start_scheduler(app: Flask) -> bool:
    """Start the scheduler in this process with its first poll now; False if already running."""
    global _pool
    if scheduler.running:
        return False
    _pool = ScanPool(app, app.config["EMAIL_SCAN_CONCURRENCY"])
    scheduler.init_app(app)
    register_email_scan_job(app, _pool)
    scheduler.modify_job(SCHEDULER_JOB_ID, next_run_time=datetime.now(UTC))
    scheduler.start()
    if not scheduler.running:
        # Flask-APScheduler declines to start when FLASK_DEBUG is set outside the dev
        # reloader; this process was designated explicitly, so start it anyway.
        scheduler.scheduler.start()
    logger.info("scheduler started in process %d", os.getpid())
    return True


def stop_scheduler(grace_seconds: float) -> None:
    """Stop polling; running scans get the grace period, then go back to PENDING."""
    global _pool
    if scheduler.running:
        scheduler.shutdown(wait=True)
    if _pool is not None:
        _pool.shutdown(grace_seconds)
        _pool = None


def lock_path_for(app: Flask) -> Path:
    """Return the host-wide lock file for this database (one scheduler per host and DB)."""
    digest = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    return Path(app.instance_path) / f"scheduler-{digest}.lock"


def try_lock(path: Path) -> bool:
    """Take the designated-scheduler lock without waiting; it lasts as long as this process."""
    global _held_lock
    if _held_lock is not None:
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held_lock = handle
    return True


def start_designated_scheduler(app: Flask, retry_seconds: float = LOCK_RETRY_SECONDS) -> None:
    """Run the scheduler here if this process wins the host lock; else keep trying in the
    background so a surviving or replacement worker takes over when the holder dies."""
    if not app.config["EMAIL_SCAN_SCHEDULER_ENABLED"]:
        logger.info("scheduler disabled (EMAIL_SCAN_SCHEDULER_ENABLED=false)")
        return
    path = lock_path_for(app)
    if try_lock(path):
        logger.info("process %d holds %s: running the scheduler", os.getpid(), path.name)
        start_scheduler(app)
        return
    logger.info("process %d waits for %s: another process runs the scheduler",
                os.getpid(), path.name)
    thread = threading.Thread(
        target=_wait_for_lock, args=(app, path, retry_seconds), name="scheduler-lock", daemon=True
    )
    thread.start()


def _wait_for_lock(app: Flask, path: Path, retry_seconds: float) -> None:
    stop = threading.Event()
    while not stop.wait(retry_seconds):
        if try_lock(path):
            logger.info("process %d took over %s: running the scheduler", os.getpid(), path.name)
            start_scheduler(app)
            return


def is_dev_server_child() -> bool:
    """Return whether this process is `flask run`'s serving process (not the reloader parent)."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return False
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return True
    reload = context.params.get("reload")
    debug = context.params.get("debug") or os.environ.get("FLASK_DEBUG") in {"1", "true"}
    return not (reload if reload is not None else debug)
