"""A separate process that polls like a scheduler: claim every pending job it can (one
optimistic UPDATE per row, or the one-statement batch claim), record each claim, and finish
the job (used by the two-process claim test)."""

import sys

from scrapersky import create_app
from scrapersky.extensions import db
from scrapersky.models import TaskStatus
from scrapersky.models.job_states import (
    claim_job,
    claim_pending_jobs,
    finish_job,
    select_pending_job_ids,
)


def claim_some(mode: str, name: str) -> list:
    """Claim a few pending jobs the way `mode` says; [] when none is left."""
    if mode == "batch":
        return claim_pending_jobs(db.session, 5, name, 600)
    batch = select_pending_job_ids(db.session, 5)
    db.session.rollback()
    claims = [claim_job(db.session, pk, name) for pk in batch]
    return [claim for claim in claims if claim] or ([None] if batch else [])


def main(database_url: str, output: str, mode: str) -> None:
    """Poll until no pending job is left, writing the ids this process won."""
    app = create_app({"DATABASE_URL": database_url, "EMAIL_SCAN_SCHEDULER_ENABLED": False})
    with app.app_context(), open(output, "w") as out:
        while claims := claim_some(mode, f"claimer-{output}"):
            for claim in filter(None, claims):
                out.write(f"{claim.pk}\n")
                finish_job(db.session, claim, TaskStatus.COMPLETE, error=None, result={})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
