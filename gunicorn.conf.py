"""Gunicorn settings: bind, workers, and the one designated worker that runs the scheduler.

Every worker tries a non-blocking file lock after it has loaded the app; the winner runs the
scheduler, the others keep retrying in the background, so when the holder dies a surviving
worker (or its replacement) takes over. The master never runs it (no `--preload` needed).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections
# over them. With one shared socket the worker that happens to be awake accepts nearly every
# connection of a burst, and keep-alive clients stay on it: one worker (one GIL) serves them
# all while the other idles. The catch: a second server started on the same port by the
# same user shares it instead of failing with "address in use". GUNICORN_REUSE_PORT=false
# turns it off.
_OFF = {"0", "false", "no", "off"}
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "true").strip().lower() not in _OFF
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# "-" is stdout; an empty value turns the access log off (gunicorn refuses "" as a path).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The control socket lives at one path per user, so several servers on one machine (tests,
# side-by-side deployments) would fight over it; nothing here uses it.
control_socket_disable = True


def on_starting(server):
    """Before listening: refuse an open bind without tokens (unless SCRAPERSKY_ALLOW_OPEN) and
    a weak SECRET_KEY with them; generate the instance key once for every worker."""
    from scrapersky.exposure import check_server_start

    check_server_start(server.cfg.bind)


def post_worker_init(worker):
    """Designate this worker as the scheduler's host if it wins the lock."""
    from scrapersky.schedulers.runner import start_designated_scheduler

    start_designated_scheduler(worker.wsgi)


def worker_exit(server, worker):
    """On a graceful stop, claim nothing more; running scans get the grace period (keep it
    under graceful_timeout), then go back to PENDING with their attempt counts."""
    from scrapersky.schedulers.runner import stop_scheduler

    stop_scheduler(worker.wsgi.config["EMAIL_SCAN_SHUTDOWN_GRACE_SECONDS"])
