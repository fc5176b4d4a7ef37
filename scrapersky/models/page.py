"""A page of a site that a scan fetched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrapersky.extensions import db
from scrapersky.models.clock import utcnow


class Page(db.Model):
    """One URL of a domain, with what its latest fetch returned."""

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("domain_id", "url", name="uq_page_domain_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    last_job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    last_scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
