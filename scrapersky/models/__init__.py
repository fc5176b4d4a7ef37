"""Database models; importing this package registers every table."""

from scrapersky.models.contact import Contact
from scrapersky.models.domain import Domain
from scrapersky.models.job import EMAIL_SCAN, Job
from scrapersky.models.page import Page
from scrapersky.models.task_status import TaskStatus

__all__ = ["EMAIL_SCAN", "Contact", "Domain", "Job", "Page", "TaskStatus"]
