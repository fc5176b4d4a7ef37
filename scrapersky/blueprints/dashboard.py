"""The HTML dashboard: submit form, job table, job page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from scrapersky.extensions import db
from scrapersky.models import Page, TaskStatus
from scrapersky.reports import count_jobs_by_status, get_job, job_contacts, list_jobs
from scrapersky.sites import MAX_INPUT_CHARS, InvalidSiteError, parse_site
from scrapersky.submission import (
    JobStateError,
    cancel_scan,
    current_user_id,
    retry_scan,
    submit_site,
)

bp = Blueprint("dashboard", __name__)
JOBS_PER_PAGE = 50
REFRESH_SECONDS = 3


class ScanForm(FlaskForm):
    """The submit form: one website."""

    url = StringField("Website", validators=[DataRequired(), Length(max=MAX_INPUT_CHARS)])

    def validate_url(self, field: StringField) -> None:
        """Accept only a website we can scan."""
        try:
            self.site = parse_site(field.data)
        except InvalidSiteError as exc:
            raise ValidationError(f"Website {exc}.") from exc


@bp.get("/")
def index():
    """Show the submit form and the job table."""
    return render_dashboard(ScanForm())


@bp.post("/scan")
def submit():
    """Queue a scan from the form and return to the dashboard."""
    form = ScanForm()
    if not form.validate_on_submit():
        return render_dashboard(form), 400
    job, deduplicated = submit_site(form.site, current_user_id())
    flash(f"{job.domain.host}: {'already queued' if deduplicated else 'queued'}", "info")
    return redirect(url_for(".index"))


@bp.get("/jobs/<job_id>")
def job_detail(job_id: str):
    """Show one job, its pages and its contacts."""
    job = get_job(db.session, job_id)
    pages = db.session.scalars(
        select(Page).where(Page.last_job_id == job.id).order_by(Page.url).limit(500)
    )
    refresh = REFRESH_SECONDS if job.is_active else None
    return render_template("job.html", job=job, contacts=job_contacts(db.session, job_id),
                           pages=list(pages), refresh=refresh)


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """Show the form again with the reason instead of a bare 400 page."""
    if request.path.startswith("/api/"):
        return error
    return render_dashboard(ScanForm(), csrf_error=f"Not submitted: {error.description}"), 400


@bp.post("/jobs/<job_id>/cancel")
def cancel(job_id: str):
    """Cancel a job from its page."""
    try:
        job = cancel_scan(job_id)
        flash(f"{job.domain.host}: cancelled", "info")
    except JobStateError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".job_detail", job_id=job_id))


@bp.post("/jobs/<job_id>/retry")
def retry(job_id: str):
    """Queue a failed or cancelled job's site again and show the new job."""
    try:
        job, _ = retry_scan(job_id, current_user_id())
    except JobStateError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".job_detail", job_id=job_id))
    flash(f"{job.domain.host}: queued again", "info")
    return redirect(url_for(".job_detail", job_id=job.job_id))


def render_dashboard(form: ScanForm, csrf_error: str | None = None):
    """Render the dashboard, refreshing itself while jobs are queued or running."""
    page = request.args.get("page", 1, type=int) or 1
    jobs = list_jobs(db.session, None, max(page, 1), JOBS_PER_PAGE)
    counts = count_jobs_by_status(db.session)
    active = any(counts.get(status, 0) for status in TaskStatus.active())
    return render_template("dashboard.html", form=form, jobs=jobs, counts=counts,
                           statuses=list(TaskStatus), csrf_error=csrf_error,
                           refresh=REFRESH_SECONDS if active else None)
