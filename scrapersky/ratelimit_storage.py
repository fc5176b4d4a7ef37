"""Rate-limit counters in a SQLite file that every process on one host shares: the gunicorn
workers count together instead of each keeping its own (a `limits` storage backend)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from limits.storage import Storage

SCHEME = "scrapersky+sqlite"
BUSY_TIMEOUT_SECONDS = 5.0
SWEEP_EVERY_SECONDS = 60.0
_CREATE = ("CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
           "expires_at REAL NOT NULL) WITHOUT ROWID")
# One statement, so concurrent workers never lose a count: a new or expired window starts
# at `amount`, a live one grows by it (SET expressions read the row as it was).
_INCR = """
INSERT INTO counter (key, count, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN expires_at <= :now THEN excluded.count ELSE count + excluded.count END,
  expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END
RETURNING count
"""


def storage_uri_for(path: str) -> str:
    """Return the storage URI of a counter file."""
    return f"{SCHEME}://{path}"


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file (WAL; one connection per thread and process)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = unquote(urlsplit(uri or "").path)
        if not self.path:
            raise ValueError(f"{SCHEME}:// needs a file path, e.g. {SCHEME}:///srv/limits.db")
        self._local = threading.local()
        self._swept_at = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opened on first use (a command that checks no
        limit creates no file) and after any fork (never inherited)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS,
                                               isolation_level=None, check_same_thread=False)
            local.connection.execute("PRAGMA journal_mode=WAL")
            local.connection.execute("PRAGMA synchronous=OFF")  # counters need no durability
            local.connection.execute(_CREATE)
            local.pid = os.getpid()
        return local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's window, starting a window of `expiry` seconds if none."""
        now = time.time()
        self._sweep(now)
        rows = self._connection().execute(_INCR, {
            "key": key, "amount": amount, "expires_at": now + expiry, "now": now}).fetchall()
        return int(rows[0][0])

    def get(self, key: str) -> int:
        """Return the key's count in its live window (0 without one)."""
        row = self._connection().execute(
            "SELECT count FROM counter WHERE key = ? AND expires_at > ?",
            (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        """Return when the key's window ends (now without one)."""
        now = time.time()
        row = self._connection().execute(
            "SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?",
            (key, now)).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        """Return whether the file answers."""
        try:
            self._connection().execute("SELECT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))

    def _sweep(self, now: float) -> None:
        """Drop ended windows now and then, so the file does not grow with every client."""
        if now - self._swept_at < SWEEP_EVERY_SECONDS:
            return
        self._swept_at = now
        self._connection().execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
