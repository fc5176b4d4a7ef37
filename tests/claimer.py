"""A separate process that polls like a scheduler: claim every pending job it can, record
each claim, and finish the job (used by the two-process claim test)."""

import sys

from scrapersky import create_app
from scrapersky.extensions import db
from scrapersky.models import TaskStatus
from scrapersky.models.job import claim_job, finish_job, select_pending_job_ids


def main(database_url: str, output: str) -> None:
    """Poll until no pending job is left, writing the ids this process won."""
    app = create_app({"DATABASE_URL": database_url, "EMAIL_SCAN_SCHEDULER_ENABLED": False})
    with app.app_context(), open(output, "w") as out:
        while batch := select_pending_job_ids(db.session, 5):
            db.session.rollback()
            for pk in batch:
                if claim_job(db.session, pk, f"claimer-{output}"):
                    out.write(f"{pk}\n")
                    finish_job(db.session, pk, TaskStatus.COMPLETE, error=None, result={})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
