"""Liveness for load balancers and container health checks; Prometheus metrics.

Both stay open when API tokens are configured: they reveal no job or contact data."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import text

from scrapersky import metrics
from scrapersky.extensions import db, scheduler
from scrapersky.schemas import HealthResponse

bp = Blueprint("health", __name__)
health_response = HealthResponse()
SELECT_ONE = text("SELECT 1")


def scheduler_tick_age() -> float | None:
    """Return seconds since this process's scheduler polled; None when it runs none."""
    return metrics.last_tick_age_seconds() if scheduler.running else None


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database answers, 503 otherwise; report the scheduler's tick."""
    body = {"status": "ok", "database": "ok",
            "scheduler_last_tick_age_seconds": scheduler_tick_age()}
    try:
        db.session.execute(SELECT_ONE)
    except Exception as exc:  # any driver error means "not healthy"
        db.session.rollback()
        body.update(status="unavailable", database=type(exc).__name__)
        return health_response.dump(body), 503
    return health_response.dump(body)


@bp.get("/metrics")
def metrics_text():
    """Expose jobs by state, scan counters and durations in the Prometheus text format."""
    return Response(metrics.render_metrics(), mimetype=None,
                    content_type=metrics.CONTENT_TYPE)
