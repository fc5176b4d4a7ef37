"""Pure retry decisions: which failures are worth another attempt, and when."""

from __future__ import annotations

import random
from collections.abc import Callable

# Failure reasons (the crawler's short codes, plus "database") that may pass by themselves.
TRANSIENT_REASONS = frozenset({"timeout", "connection", "database"})
MAX_RETRY_DELAY_SECONDS = 3600.0


def is_transient(reason: str, status_code: int | None = None) -> bool:
    """Return whether a failure may pass: timeouts, resets, 5xx and 429 answers, busy DB."""
    if status_code is not None and (status_code >= 500 or status_code == 429):
        return True
    return reason in TRANSIENT_REASONS


def retry_delay_seconds(
    attempts: int, base_seconds: float, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: base * 2^(attempts-1), scaled by 0.5–1.0, capped."""
    exponential = base_seconds * 2 ** max(attempts - 1, 0)
    return min(exponential, MAX_RETRY_DELAY_SECONDS) * (0.5 + rng() / 2)


def should_retry(attempts: int, max_attempts: int, transient: bool) -> bool:
    """Return whether a failed attempt is queued again instead of failing the job."""
    return transient and attempts < max_attempts
