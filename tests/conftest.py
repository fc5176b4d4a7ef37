"""Fixtures: a stripped environment, a fresh database per test (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), the app and its clients, server processes, and loopback test
websites (one of them gated)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from scrapersky import create_app
from scrapersky.config import SETTINGS
from scrapersky.models import Domain
from tests.processes import ProcessRunner, process_runner, server_env
from tests.reliability import GATED_PAGES, GATED_PATH, Gate
from tests.sites import TestSite, serve_site

PG_ENV = "TEST_DATABASE_URL"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run every test with none of our settings inherited from the shell, and its own
    instance folder (databases, scheduler locks)."""
    for name in list(SETTINGS) + ["FLASK_DEBUG", "SCRAPERSKY_INSTANCE_PATH"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRAPERSKY_INSTANCE_PATH", str(tmp_path / "instance"))


def _database_params() -> list:
    marks = [] if os.environ.get(PG_ENV) else [pytest.mark.skip(reason=f"{PG_ENV} not set")]
    return ["sqlite", pytest.param("postgresql", marks=marks)]


@pytest.fixture(params=_database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield from _postgres_schema(os.environ[PG_ENV])


def _postgres_schema(base_url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def app_config(database_url: str) -> dict:
    """Test settings: loopback sites allowed, scheduler off, small budgets."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-at-least-32-bytes",
        "EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": True,
        "EMAIL_SCAN_SCHEDULER_ENABLED": False,
        "EMAIL_SCAN_MAX_PAGES": 10,
        "EMAIL_SCAN_REQUEST_TIMEOUT_SECONDS": 5.0,
        "EMAIL_SCAN_WALL_TIME_SECONDS": 30.0,
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    """The app on a freshly migrated database."""
    import flask_migrate

    from scrapersky.extensions import db

    app = create_app(app_config)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of the app."""
    return app.test_cli_runner()


@pytest.fixture
def processes(database_url: str, tmp_path: Path) -> Iterator[ProcessRunner]:
    """Start server processes whose groups are all killed before the database is dropped."""
    with process_runner(tmp_path) as runner:
        yield runner


@pytest.fixture
def test_site() -> Iterator[TestSite]:
    """A small website on loopback with addresses on a few pages."""
    pages = {
        "/": ("text/html", '<html><body><h1>Acme</h1><p>Write to <a href="mailto:info@acme.dev'
              '?subject=Hi">us</a>.</p><a href="/contact">Contact</a> <a href="/about">About'
              '</a> <a href="https://elsewhere.dev/x">Partner</a></body></html>'),
        "/contact": ("text/html", "<html><body><p>Sales: sales@acme.dev</p>"
                     "<p>Maria Lopez, maria.lopez@acme.dev</p><a href='/'>Home</a></body></html>"),
        "/about": ("text/html", "<html><body><p>About us. Press: press@acme.dev</p>"
                   "<a href='/contact'>Contact</a></body></html>"),
    }
    with serve_site(pages) as site:
        yield site


@pytest.fixture
def env(app: Flask, database_url: str) -> dict[str, str]:
    """The server environment on the test app's migrated database, with a short shutdown."""
    return server_env(database_url, Path(app.instance_path),
                      EMAIL_SCAN_SHUTDOWN_GRACE_SECONDS="1", GUNICORN_GRACEFUL_TIMEOUT="5")


@pytest.fixture
def gated_site() -> Iterator[tuple[TestSite, Gate]]:
    """A site whose contact page hangs until the test opens the gate."""
    gate = Gate(GATED_PATH)
    with serve_site(GATED_PAGES, on_request=gate) as site:
        try:
            yield site, gate
        finally:
            gate.open()


def get_or_create_domain(session: Session, host: str) -> Domain:
    """Return the domain row for a site key, inserting it when new (rows for page tests)."""
    domain = session.scalars(sa.select(Domain).where(Domain.host == host)).first()
    if domain is None:
        domain = Domain(host=host)
        session.add(domain)
        session.flush()
    return domain
