"""An email address published by a site, with where it was found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrapersky.extensions import db
from scrapersky.models.clock import utcnow


class Contact(db.Model):
    """One address of a domain; unique per domain, updated by every scan that sees it."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("domain_id", "email", name="uq_contact_domain_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domain.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    email_type: Mapped[str] = mapped_column(String(16), default="other")
    method: Mapped[str] = mapped_column(String(32), default="text")
    context: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2048))
    source_page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id", ondelete="SET NULL"))
    source_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
