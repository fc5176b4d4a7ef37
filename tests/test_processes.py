"""Real processes against the test database: gunicorn and its one designated scheduler
worker (and the takeover when it dies or its lock is freed), `flask worker`, `flask run`."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from scrapersky.schedulers.runner import lock_path_for
from tests.processes import (
    ProcessRunner,
    ServerProcess,
    booted_workers,
    flask_args,
    free_port,
    gunicorn_args,
    held_lock,
    is_alive,
    parent_pid,
    server_env,
    wait_for_server,
    wait_until,
)

pytestmark = pytest.mark.slow

SUBMIT = "/api/v3/email-scan/scan/website"
STATUS = "/api/v3/email-scan/scan/status/{}"
ACME_EMAILS = {"info@acme.dev", "maria.lopez@acme.dev", "press@acme.dev", "sales@acme.dev"}
INTERVAL_SECONDS = 0.6  # EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES=0.01 in server_env
JOB_TIMEOUT_SECONDS = 20.0
BOOT_TIMEOUT_SECONDS = 20.0
# A surviving worker retries the lock every LOCK_RETRY_SECONDS (5 s); its replacement tries
# as soon as it has booted.
TAKEOVER_TIMEOUT_SECONDS = 15.0


@pytest.fixture
def env(app: Flask, database_url: str) -> dict[str, str]:
    """The server environment on the test app's (migrated) database and instance folder."""
    return server_env(database_url, Path(app.instance_path))


def start_gunicorn(processes: ProcessRunner, env: dict[str, str], workers: int,
                   **settings: str) -> tuple[ServerProcess, str]:
    """Start `gunicorn -c gunicorn.conf.py app:app`; return it and its base URL once it
    answers."""
    port = free_port()
    server = processes.start("gunicorn", gunicorn_args(), {
        **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), **settings,
    })
    base_url = f"http://127.0.0.1:{port}"
    wait_for_server(server, f"{base_url}/")
    return server, base_url


def submit_over_http(base_url: str, site_url: str) -> str:
    """Submit a scan through the API and return its job id."""
    response = requests.post(f"{base_url}{SUBMIT}", json={"url": site_url}, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def http_status(base_url: str, job_id: str) -> Callable[[], dict[str, Any]]:
    """Return a reader of the job's status document over HTTP."""
    return lambda: requests.get(f"{base_url}{STATUS.format(job_id)}", timeout=10).json()


def client_status(client: FlaskClient, job_id: str) -> Callable[[], dict[str, Any]]:
    """Return a reader of the job's status document through the test client."""
    return lambda: client.get(STATUS.format(job_id)).json


def wait_for_job(read_status: Callable[[], dict[str, Any]],
                 server: ServerProcess) -> dict[str, Any]:
    """Return the job's status document once it has finished, failing with the logs."""

    def finished() -> dict[str, Any] | None:
        assert server.is_running(), f"{server.name} exited\n{server.describe()}"
        status = read_status()
        return status if status["status"] in {"COMPLETE", "FAILED", "CANCELLED"} else None

    try:
        return wait_until(finished, JOB_TIMEOUT_SECONDS, "the job to finish")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {read_status()}\n{server.describe()}") from None


def assert_found_acme_emails(status: dict[str, Any], server: ServerProcess) -> None:
    """Check the job completed and found exactly the test site's four addresses."""
    assert status["status"] == "COMPLETE", f"{status}\n{server.describe()}"
    assert set(status["result"]["emails"]) == ACME_EMAILS


def sample_during(read: Callable[[], str], seconds: float) -> set[str]:
    """Return every value read, every 0.1 s, over a fixed window."""
    seen = {read()}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        seen.add(read())
    return seen


def test_gunicorn_serves_the_api_and_its_scheduler_completes_a_scan(processes, env, test_site):
    server, base_url = start_gunicorn(processes, env, workers=2)
    job_id = submit_over_http(base_url, test_site.url)
    status = wait_for_job(http_status(base_url, job_id), server)
    assert_found_acme_emails(status, server)
    assert status["attempts"] == 1


def test_one_gunicorn_worker_runs_the_scheduler_and_another_takes_over_if_it_dies(
    app, processes, env, test_site
):
    server, base_url = start_gunicorn(processes, env, workers=3)
    workers = wait_until(lambda: booted_workers(server, 3), BOOT_TIMEOUT_SECONDS,
                         "3 gunicorn workers past post_worker_init")
    started = wait_until(server.scheduler_pids, BOOT_TIMEOUT_SECONDS, "a scheduler to start")
    assert len(started) == 1 and started[0] in workers, server.describe()
    holder = started[0]
    lock = lock_path_for(app)
    assert lock.read_text().split() == [str(holder)]

    os.kill(holder, signal.SIGKILL)
    wait_until(lambda: not is_alive(holder), 5, "the scheduler worker to die")
    successors = wait_until(lambda: [pid for pid in server.scheduler_pids() if pid != holder],
                            TAKEOVER_TIMEOUT_SECONDS, "another worker to start the scheduler")
    assert len(successors) == 1, server.describe()
    successor = successors[0]
    workers_now = wait_until(lambda: booted_workers(server, 3), BOOT_TIMEOUT_SECONDS,
                             "gunicorn to replace the killed worker")
    assert holder not in workers_now and successor in workers_now

    job_id = submit_over_http(base_url, test_site.url)
    assert_found_acme_emails(wait_for_job(http_status(base_url, job_id), server), server)
    assert {pid for pid in server.scheduler_pids() if is_alive(pid)} == {successor}
    assert server.scheduler_pids() == [holder, successor]
    assert lock.read_text().split() == [str(successor)]


def test_gunicorn_workers_wait_for_a_held_lock_and_one_takes_it_when_freed(
    app, processes, env, test_site
):
    lock = lock_path_for(app)
    with held_lock(lock):
        server, base_url = start_gunicorn(processes, env, workers=2)
        wait_until(lambda: booted_workers(server, 2), BOOT_TIMEOUT_SECONDS,
                   "2 gunicorn workers past post_worker_init")
        job_id = submit_over_http(base_url, test_site.url)
        assert server.scheduler_pids() == [], server.describe()
    (successor,) = wait_until(server.scheduler_pids, TAKEOVER_TIMEOUT_SECONDS,
                              "a waiting worker to take the freed lock")
    assert f"process {successor} took over {lock.name}" in server.stderr()
    assert_found_acme_emails(wait_for_job(http_status(base_url, job_id), server), server)
    assert server.scheduler_pids() == [successor]
    assert lock.read_text().split() == [str(successor)]


def test_flask_worker_runs_scans_and_stops_cleanly_on_sigterm(processes, env, client, test_site):
    worker = processes.start("worker", flask_args("worker"), env)
    job_id = client.post(SUBMIT, json={"url": test_site.url}).json["job_id"]
    assert_found_acme_emails(wait_for_job(client_status(client, job_id), worker), worker)
    assert worker.scheduler_pids() == [worker.pid]

    worker.popen.send_signal(signal.SIGTERM)
    assert worker.popen.wait(timeout=5) == 0, worker.describe()
    assert "worker stopping" in worker.stderr()


@pytest.mark.parametrize("use_reloader", [True, False], ids=["reloader", "no-reloader"])
def test_dev_server_runs_the_scheduler_in_its_serving_process_only(
    processes, env, test_site, use_reloader
):
    port = free_port()
    reload_flags = [] if use_reloader else ["--no-reload"]  # --debug turns the reloader on
    server = processes.start(
        "flask-run", flask_args("run", "--debug", *reload_flags, "--port", str(port)), env)
    base_url = f"http://127.0.0.1:{port}"
    wait_for_server(server, f"{base_url}/")
    # The reloader's parent loads the app before it spawns the serving child, so once the
    # child has started a scheduler the parent has had its chance to start one too.
    started = wait_until(server.scheduler_pids, BOOT_TIMEOUT_SECONDS, "a scheduler to start")
    assert len(started) == 1, server.describe()
    if use_reloader:
        assert started[0] != server.pid, "the reloader's parent runs the scheduler"
        assert parent_pid(started[0]) == server.pid, "the scheduler is not the reloader's child"
    else:
        assert started == [server.pid]

    job_id = submit_over_http(base_url, test_site.url)
    assert_found_acme_emails(wait_for_job(http_status(base_url, job_id), server), server)
    assert server.scheduler_pids() == started


def test_gunicorn_with_the_scheduler_disabled_leaves_jobs_pending(app, processes, env, test_site):
    server, base_url = start_gunicorn(processes, env, workers=2,
                                      EMAIL_SCAN_SCHEDULER_ENABLED="false")
    wait_until(lambda: server.stderr().count("scheduler disabled") == 2, BOOT_TIMEOUT_SECONDS,
               "both workers to pass post_worker_init")
    job_id = submit_over_http(base_url, test_site.url)
    read = http_status(base_url, job_id)
    assert sample_during(lambda: read()["status"], 4 * INTERVAL_SECONDS) == {"PENDING"}
    assert server.scheduler_pids() == []
    assert not lock_path_for(app).exists()
    assert test_site.requests == []
