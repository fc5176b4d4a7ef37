"""The HTML dashboard: submit forms, live job table, charts, job page, contacts."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import select

from scrapersky import display
from scrapersky.blueprints.dashboard_forms import BulkScanForm, ScanForm
from scrapersky.bulk import submit_entries, summarise
from scrapersky.charts import addresses_by_type_chart, jobs_per_hour_chart
from scrapersky.extensions import db
from scrapersky.models import Page, TaskStatus
from scrapersky.models.clock import utcnow
from scrapersky.reports import (
    EMAIL_TYPES,
    MAX_SEARCH_CHARS,
    contacts_csv,
    count_contacts_by_type,
    count_jobs_by_status,
    filtered_contacts,
    get_job,
    has_latest_scan,
    job_contacts,
    jobs_finished_per_hour,
    list_contacts,
    list_jobs,
)
from scrapersky.schemas.email_scan import MAX_PAGE
from scrapersky.submission import (
    JobStateError,
    PendingLimitError,
    cancel_scan,
    current_user_id,
    retry_scan,
    submit_site,
)

bp = Blueprint("dashboard", __name__)
JOBS_PER_PAGE = 25
CONTACTS_PER_PAGE = 50
MAX_PAGES_LISTED = 500
REFRESH_SECONDS = 3  # the no-JavaScript fallback; the script polls every 2 s
bp.add_app_template_filter(display.format_time, "when")
bp.add_app_template_filter(display.highlight_parts, "highlight_parts")
bp.add_app_template_filter(display.is_web_link, "is_web_link")
bp.add_app_template_filter(display.url_path, "url_path")
bp.add_app_template_global(display.format_duration, "duration")
bp.add_app_template_global(display.page_progress, "page_progress")


@bp.get("/")
def index():
    """Show the submit forms, the live job table and the charts."""
    return render_dashboard()


@bp.get("/partials/jobs")
def jobs_partial():
    """Return the live part of the dashboard (counts, job rows, charts) for the script."""
    return render_template("_jobs_live.html", **jobs_context())


@bp.post("/scan")
def submit():
    """Queue a scan from the form and return to the dashboard."""
    form = ScanForm()
    if not form.validate_on_submit():
        return render_dashboard(form=form), 400
    job, deduplicated = submit_site(form.site, current_user_id())
    flash(f"{job.domain.host}: {'already queued' if deduplicated else 'queued'}", "info")
    return redirect(url_for(".index"))


@bp.post("/scan/bulk")
def submit_bulk():
    """Queue many sites at once and show what happened to each line."""
    form = bulk_form()
    if not form.is_valid:
        return render_dashboard(bulk_form=form), 400
    outcomes = submit_entries(form.entries, current_user_id())
    return render_dashboard(bulk_form=form, bulk_results=outcomes,
                            bulk_summary=summarise(outcomes))


def bulk_form() -> BulkScanForm:
    """Return this request's bulk form, read and validated once (the submit limit counts
    its sites before the view runs)."""
    if "bulk_form" not in g:
        form = BulkScanForm()
        form.is_valid = form.validate_on_submit()
        g.bulk_form = form
    return g.bulk_form


def bulk_size() -> int:
    """Return how many sites the bulk form lists (1 when it cannot be read)."""
    form = bulk_form()
    return len(form.entries) if form.is_valid else 1


@bp.get("/jobs/<job_id>")
def job_detail(job_id: str):
    """Show one job, its pages and its contacts, updating live while it runs."""
    context = job_context(job_id)
    refresh = REFRESH_SECONDS if context["job"].is_active else None
    return render_template("job.html", refresh=refresh, **context)


@bp.get("/partials/jobs/<job_id>")
def job_partial(job_id: str):
    """Return the live part of a job page for the script."""
    return render_template("_job_live.html", **job_context(job_id))


@bp.get("/contacts")
def contacts():
    """List every site's contacts, filtered by type and site."""
    filters = contact_filters()
    found = list_contacts(db.session, email_type=filters["type"], search=filters["q"],
                          page=page_arg(), per_page=CONTACTS_PER_PAGE)
    return render_template("contacts.html", contacts=found, filters=filters,
                           email_types=EMAIL_TYPES, show_still_found=has_latest_scan())


@bp.get("/contacts.csv")
def contacts_export():
    """Export every contact matching the filters as CSV."""
    filters = contact_filters()
    found = filtered_contacts(db.session, email_type=filters["type"], search=filters["q"])
    return Response(contacts_csv(found), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="contacts.csv"'})


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """Show the form again with the reason instead of a bare 400 page."""
    if request.path.startswith("/api/"):
        return error
    return render_dashboard(form_error=f"Not submitted: {error.description}"), 400


@bp.errorhandler(PendingLimitError)
def too_many_pending(error: PendingLimitError):
    """Show the dashboard with why nothing was queued."""
    return render_dashboard(form_error=f"Not queued: {error}"), 429


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


def page_arg() -> int:
    """Return the requested page number, from 1 to MAX_PAGE (past it no page has rows)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def search_arg() -> str | None:
    """Return the site search text, or None when empty."""
    return request.args.get("q", "").strip()[:MAX_SEARCH_CHARS] or None


def job_filters() -> dict[str, str | None]:
    """Return the dashboard's filters: a known state and a site search."""
    status = request.args.get("status", "").upper()
    return {"status": status if status in TaskStatus.__members__ else None,
            "q": search_arg()}


def contact_filters() -> dict[str, str | None]:
    """Return the contacts page's filters: an address type and a site search."""
    email_type = request.args.get("type", "").lower()
    return {"type": email_type if email_type in EMAIL_TYPES else None, "q": search_arg()}


def jobs_context() -> dict[str, Any]:
    """Return what the live part of the dashboard shows for the current filters."""
    filters = job_filters()
    jobs = list_jobs(db.session, filters["status"], page_arg(), JOBS_PER_PAGE,
                     search=filters["q"])
    counts = count_jobs_by_status(db.session)
    hours = jobs_finished_per_hour(db.session, utcnow())
    types = count_contacts_by_type(db.session)
    # Markup is safe here: the charts escape every text they draw.
    return {
        "jobs": jobs, "counts": counts, "filters": filters, "statuses": list(TaskStatus),
        "active": any(counts.get(status, 0) for status in TaskStatus.active()),
        "budget": current_app.config["EMAIL_SCAN_MAX_PAGES"],
        "jobs_chart": Markup(jobs_per_hour_chart(hours)),
        "types_chart": Markup(addresses_by_type_chart(types)),
    }


def job_context(job_id: str) -> dict[str, Any]:
    """Return one job with the pages its scan visited and the contacts it found."""
    job = get_job(db.session, job_id)
    pages = db.session.scalars(select(Page).where(Page.last_job_id == job.id)
                               .order_by(Page.url).limit(MAX_PAGES_LISTED))
    return {"job": job, "contacts": job_contacts(db.session, job_id), "pages": list(pages),
            "budget": current_app.config["EMAIL_SCAN_MAX_PAGES"]}


def render_dashboard(form: ScanForm | None = None, bulk_form: BulkScanForm | None = None,
                     form_error: str | None = None, **extra: Any):
    """Render the dashboard; without JavaScript it refreshes itself while jobs are active."""
    context = jobs_context()
    refresh = REFRESH_SECONDS if context["active"] and request.method == "GET" else None
    return render_template("dashboard.html", form=form or ScanForm(),
                           bulk_form=bulk_form or BulkScanForm(), form_error=form_error,
                           refresh=refresh, **context, **extra)
