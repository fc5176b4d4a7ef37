"""The scheduler: claim, run, fail on exceptions, and never run a job twice."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scrapersky.extensions import db
from scrapersky.models import Job, TaskStatus
from scrapersky.models.job import submit_scan
from scrapersky.models.job_states import claim_job
from scrapersky.schedulers import email_scan_scheduler
from scrapersky.schedulers.email_scan_scheduler import process_pending_email_scans

SUBMIT = "/api/v3/email-scan/scan/website"
CLAIMER = Path(__file__).with_name("claimer.py")
ROOT = CLAIMER.parent.parent


def queue_jobs(app, count: int) -> list[int]:
    with app.app_context():
        ids = [submit_scan(db.session, f"site{n}.dev", f"https://site{n}.dev/", "t")[0].id
               for n in range(count)]
        db.session.remove()
    return ids


def jobs_by_status(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Job.status, func.count()).group_by(Job.status))
        return dict(rows.all())


def test_tick_runs_pending_jobs_to_complete(app, client, test_site, caplog):
    caplog.set_level(logging.INFO, logger="scrapersky")
    job_id = client.post(SUBMIT, json={"url": test_site.url}).json["job_id"]
    assert process_pending_email_scans(app) == 1
    status = client.get(f"/api/v3/email-scan/scan/status/{job_id}").json
    assert status["status"] == "COMPLETE"
    assert status["attempts"] == 1
    assert "sales@acme.dev" in status["result"]["emails"]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("scrapersky.sched")]
    assert any(line.startswith("found 1 pending email scan job(s)") for line in lines)
    for word in ("claimed", "running", "finished with status COMPLETE"):
        assert any(job_id in line and word in line for line in lines), word


def test_tick_takes_oldest_first_and_at_most_batch_size(app, monkeypatch):
    app.config["EMAIL_SCAN_SCHEDULER_BATCH_SIZE"] = 2
    app.config["EMAIL_SCAN_CONCURRENCY"] = 4
    ids = queue_jobs(app, 3)
    seen: list[str] = []
    monkeypatch.setattr(email_scan_scheduler, "scan_website_for_emails",
                        lambda job_id, user_id, **_: seen.append(job_id))
    assert process_pending_email_scans(app) == 2
    with app.app_context():
        first_two = [db.session.get(Job, pk).job_id for pk in ids[:2]]
    assert sorted(seen) == sorted(first_two)
    assert jobs_by_status(app) == {"RUNNING": 2, "PENDING": 1}


def test_tick_claims_only_as_many_jobs_as_free_slots(app, monkeypatch):
    app.config["EMAIL_SCAN_CONCURRENCY"] = 1
    ids = queue_jobs(app, 3)
    seen: list[str] = []
    monkeypatch.setattr(email_scan_scheduler, "scan_website_for_emails",
                        lambda job_id, user_id, **_: seen.append(job_id))
    assert process_pending_email_scans(app) == 1
    with app.app_context():
        assert seen == [db.session.get(Job, ids[0]).job_id]


def test_exception_in_scan_marks_job_failed_and_is_logged(app, monkeypatch, caplog):
    queue_jobs(app, 1)

    def explode(job_id: str, user_id: str, **_) -> None:
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(email_scan_scheduler, "scan_website_for_emails", explode)
    process_pending_email_scans(app)
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        assert job.status == "FAILED"
        assert "parser exploded" in job.error
        assert job.finished_at is not None
    assert any("parser exploded" in (r.exc_text or "") for r in caplog.records)


def test_claim_counts_only_when_the_row_was_pending(app):
    (pk,) = queue_jobs(app, 1)
    with app.app_context():
        assert claim_job(db.session, pk, "a") is not None
        assert claim_job(db.session, pk, "b") is None
        job = db.session.get(Job, pk)
        assert (job.status, job.attempts, job.claimed_by) == ("RUNNING", 1, "a")


def test_many_threads_claiming_at_once_claim_each_job_once(app):
    ids = queue_jobs(app, 40)
    wins: list[int] = []
    barrier = threading.Barrier(8)

    def claimer() -> None:
        with app.app_context():
            barrier.wait()
            for pk in ids:
                if claim_job(db.session, pk, threading.current_thread().name):
                    wins.append(pk)
            db.session.remove()

    threads = [threading.Thread(target=claimer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == sorted(ids)
    with app.app_context():
        assert db.session.scalar(select(func.sum(Job.attempts))) == 40


@pytest.mark.parametrize("mode", ["row", "batch"])
def test_two_processes_polling_at_once_never_run_a_job_twice(app, database_url, tmp_path, mode):
    ids = queue_jobs(app, 60)
    outputs = [tmp_path / f"claims{n}.txt" for n in range(2)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, str(CLAIMER), database_url, str(out), mode],
                         env=env, cwd=ROOT)
        for out in outputs
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    claimed = [line for out in outputs for line in out.read_text().split()]
    assert sorted(map(int, claimed)) == sorted(ids)
    with app.app_context():
        assert db.session.scalar(select(func.sum(Job.attempts))) == 60
        assert jobs_by_status(app) == {TaskStatus.COMPLETE.value: 60}


@pytest.mark.parametrize("minutes", ["0.05", "1"])
def test_registered_interval_accepts_fractions(app, minutes):
    from scrapersky.config import parse_positive_float
    from scrapersky.extensions import scheduler
    from scrapersky.schedulers.email_scan_scheduler import (
        SCHEDULER_JOB_ID,
        register_email_scan_job,
    )

    app.config["EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES"] = parse_positive_float(minutes)
    scheduler.init_app(app)
    register_email_scan_job(app)
    job = scheduler.get_job(SCHEDULER_JOB_ID)
    assert job.trigger.interval.total_seconds() == float(minutes) * 60
    assert job.max_instances == 1 and job.coalesce is True
    scheduler.remove_job(SCHEDULER_JOB_ID)


def test_pool_polls_again_as_soon_as_a_slot_frees(app, monkeypatch):
    from scrapersky.models.job_states import finish_job
    from scrapersky.schedulers.email_scan_scheduler import ScanPool
    from tests.processes import wait_until

    def finish_at_once(job_id: str, user_id: str, *, claim, **_) -> str:
        finish_job(db.session, claim, TaskStatus.COMPLETE, error=None, result={})
        return "COMPLETE"

    monkeypatch.setattr(email_scan_scheduler, "scan_website_for_emails", finish_at_once)
    queue_jobs(app, 7)
    pool = ScanPool(app, 2)
    try:
        assert pool.poll() == 2  # one interval tick; the rest must not wait for the next
        wait_until(lambda: jobs_by_status(app) == {"COMPLETE": 7}, 20, "all jobs COMPLETE")
    finally:
        pool.shutdown(grace_seconds=5)
