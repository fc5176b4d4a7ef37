"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_apscheduler import APScheduler
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

# Stable constraint names so migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled server connection idle for longer than this is pinged before it is handed out
# (SQLAlchemy's pool_pre_ping pings every checkout: a round trip per request). A busy
# server reuses its connections within milliseconds, when a dropped one is unlikely; if one
# fails anyway, its request fails and SQLAlchemy replaces every pooled connection.
PING_IDLE_CONNECTIONS_AFTER_SECONDS = 1.0
_CHECKED_IN_AT = "scrapersky_checked_in_at"


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
scheduler = APScheduler()
csrf = CSRFProtect()


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus building a signer for each request that sends
    no session cookie (API calls, health checks); SESSION_COOKIE_SECURE may be `auto`."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Return whether the cookie is Secure: `auto` means when the request came over
        https (as seen through SCRAPERSKY_PROXY_COUNT proxies)."""
        setting = app.config["SESSION_COOKIE_SECURE"]
        if setting == "auto":
            return has_request_context() and request.is_secure
        return bool(setting)


def configure_sqlite(engine: Engine) -> None:
    """Put every SQLite connection in WAL mode with a busy timeout and foreign keys on."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_sqlite_connect)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_pool_pings(engine: Engine) -> None:
    """Ping a pooled server connection before use when it sat idle, so that one the server
    dropped (restart, idle timeout) is replaced instead of failing a request."""
    if engine.dialect.name == "sqlite":
        return
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _pinger(engine))


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _pinger(engine: Engine) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    dialect = engine.dialect

    def ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        # No check-in time: a fresh connection (the pool clears `info` when it reconnects).
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None:
            return
        if time.monotonic() - checked_in < PING_IDLE_CONNECTIONS_AFTER_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                # The pool replaces this connection and every older one, then retries.
                raise InvalidatePoolError(str(exc)) from exc
            raise

    return ping_if_idle


def configure_read_only_requests(app: Flask, engine: Engine) -> None:
    """Run a GET or HEAD request's queries outside a transaction on a database server.

    Every write of the app is a POST, so reads lose nothing by it, and each saves two of
    its three round trips (BEGIN, the query, ROLLBACK when the session closes). SQLite
    opens no transaction for a read anyway."""
    if engine.dialect.name == "sqlite":
        return

    @app.before_request
    def read_in_autocommit() -> None:
        if request.method in ("GET", "HEAD") and request.endpoint != "static":
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
