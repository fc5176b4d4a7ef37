"""Start, watch and stop real server processes (gunicorn, `flask worker`, `flask run`) for the
slow tests: logs go to files, waits poll a condition with a deadline, teardown kills all."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
FLASK = BIN / "flask"
POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 10.0
SCHEDULER_STARTED = re.compile(r"scheduler started in process (\d+)")

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str = "condition") -> T:
    """Return the predicate's first truthy value, checking every 0.1 s; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, instance_path: Path, **settings: str) -> dict[str, str]:
    """Return the environment for a server process: this database, a fast scheduler,
    loopback sites allowed, then the given settings."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url,
        "SCRAPERSKY_INSTANCE_PATH": str(instance_path),
        "EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES": "0.01",
        "EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": "true",
        **settings,
    }


@dataclass
class ServerProcess:
    """A started process, its own process group, and the files its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    @property
    def pid(self) -> int:
        """The pid of the process started (gunicorn's master, the reloader's parent)."""
        return self.popen.pid

    def stdout(self) -> str:
        """Return everything the process has written to stdout so far."""
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        """Return everything the process has written to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def scheduler_pids(self) -> list[int]:
        """Return the pid of every "scheduler started" log line, in order."""
        return [int(pid) for pid in SCHEDULER_STARTED.findall(self.stderr())]

    def is_running(self) -> bool:
        """Return whether the started process has not exited yet."""
        return self.popen.poll() is None

    def describe(self) -> str:
        """Return the process's output, for assertion messages."""
        return f"--- {self.name} stdout:\n{self.stdout()}\n--- {self.name} stderr:\n{self.stderr()}"


class ProcessRunner:
    """Start processes in new sessions; `stop_all` kills each whole group and reaps it."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[ServerProcess] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> ServerProcess:
        """Start args with env in the repo root, stdout/stderr to `<name>.out`/`<name>.err`."""
        out, err = self.log_dir / f"{name}.out", self.log_dir / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            popen = subprocess.Popen(args, env=env, cwd=ROOT, stdout=stdout, stderr=stderr,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        process = ServerProcess(name, popen, out, err)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        """Terminate every started process group, kill what is left after a grace period."""
        for process in self.started:
            signal_group(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.popen.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                signal_group(process.pid, signal.SIGKILL)
                process.popen.wait()
            # Children that outlived their leader (a reloader child, a worker) go too.
            signal_group(process.pid, signal.SIGKILL)


@contextmanager
def process_runner(log_dir: Path) -> Iterator[ProcessRunner]:
    """Yield a runner whose processes are all stopped when the block ends, however it ends."""
    runner = ProcessRunner(log_dir)
    try:
        yield runner
    finally:
        runner.stop_all()


@contextmanager
def held_lock(path: Path) -> Iterator[None]:
    """Hold the designated-scheduler lock from this process for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send a signal to a process group if any member is left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def gunicorn_args() -> list[str]:
    """Return the production command line, without the host-wide control socket (a test server
    must not replace the one of a gunicorn the developer is running)."""
    return [str(GUNICORN), "-c", "gunicorn.conf.py", "--no-control-socket", "app:app"]


def flask_args(*command: str) -> list[str]:
    """Return `flask --app app COMMAND...`."""
    return [str(FLASK), "--app", "app", *command]


def is_serving(url: str) -> bool:
    """Return whether the URL answers 200 (gunicorn's master accepts connections before a
    worker has booted to answer them, hence the read timeout)."""
    try:
        return requests.get(url, timeout=(1, 5)).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def wait_for_server(process: ServerProcess, url: str, timeout: float = 20.0) -> None:
    """Wait until the URL answers; fail early, with the logs, if the process exits."""

    def answers() -> bool:
        assert process.is_running(), f"{process.name} exited\n{process.describe()}"
        return is_serving(url)

    wait_until(answers, timeout, f"{url} to answer")


def proc_stat(pid: int) -> tuple[str, int] | None:
    """Return a live process's (state, parent pid) from /proc, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = stat.rpartition(")")[2].split()[:2]
    return (state, int(ppid)) if state != "Z" else None


def parent_pid(pid: int) -> int | None:
    """Return the parent of a live process, or None if it is gone."""
    stat = proc_stat(pid)
    return stat[1] if stat is not None else None


def is_alive(pid: int) -> bool:
    """Return whether the process exists and is not a zombie."""
    return proc_stat(pid) is not None


def child_pids(parent: int) -> set[int]:
    """Return the live children of a process (gunicorn's workers, the reloader's child)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat is not None and stat[1] == parent:
                children.add(int(entry.name))
    return children


def has_booted(master: ServerProcess, worker_pid: int) -> bool:
    """Return whether a gunicorn worker is past `post_worker_init`: the hook logs that the
    worker either holds the scheduler lock or waits for it."""
    log = master.stderr()
    return (f"process {worker_pid} holds " in log
            or f"process {worker_pid} waits for " in log)


def booted_workers(master: ServerProcess, count: int) -> set[int] | None:
    """Return gunicorn's worker pids once `count` of them are up and past their hook."""
    workers = child_pids(master.pid)
    if len(workers) == count and all(has_booted(master, pid) for pid in workers):
        return workers
    return None
