"""The states a job moves through."""

from enum import StrEnum


class TaskStatus(StrEnum):
    """A job's state, stored as its upper-case name."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @classmethod
    def active(cls) -> tuple["TaskStatus", ...]:
        """Return the states of a job that is queued or running."""
        return (cls.PENDING, cls.RUNNING)

    @classmethod
    def finished(cls) -> tuple["TaskStatus", ...]:
        """Return the states a job ends in."""
        return (cls.COMPLETE, cls.FAILED, cls.CANCELLED)
