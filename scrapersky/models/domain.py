"""A website, identified by its normalised host (apex and www. are one site)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scrapersky.extensions import db
from scrapersky.models.clock import utcnow


class Domain(db.Model):
    """A site we have been asked to scan."""

    __tablename__ = "domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(260), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_scanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The latest scan that completed (no FK: job already points at domain); a contact whose
    # source_job_id equals it was still published when the site was last scanned.
    last_job_id: Mapped[int | None] = mapped_column(Integer)
