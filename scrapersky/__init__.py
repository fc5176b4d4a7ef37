"""ScraperSky email scanner: find the contact addresses a website publishes."""

from __future__ import annotations

import os
from typing import Any

from dotenv import load_dotenv
from flask import Flask

from scrapersky.config import (
    PROJECT_ROOT,
    build_config,
    database_uri,
    engine_options,
    instance_folder,
    parse_api_tokens,
    parse_trusted_hosts,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app: config, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        instance_path=instance_folder(os.environ),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    register_config(app, test_config)
    register_logging(app)
    register_secret_key(app)
    register_request_reading(app)
    register_extensions(app)
    register_blueprints(app)
    register_access(app)
    register_template_filters(app)
    register_security(app)
    register_errorhandlers(app)
    register_commands(app)
    register_dev_scheduler(app)
    return app


def register_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Layer config: defaults, then the environment and `.env`, then test overrides."""
    if test_config is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(build_config(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
        if "DATABASE_URL" in test_config:
            uri = database_uri(test_config["DATABASE_URL"], app.instance_path)
            app.config.update(
                SQLALCHEMY_DATABASE_URI=uri, SQLALCHEMY_ENGINE_OPTIONS=engine_options(uri)
            )
        # Test settings may give these as the environment would: parse them the same way.
        for name, parse in (("SCRAPERSKY_API_TOKENS", parse_api_tokens),
                            ("SCRAPERSKY_TRUSTED_HOSTS", parse_trusted_hosts)):
            if isinstance(app.config.get(name), str):
                app.config[name] = parse(app.config[name])


def register_logging(app: Flask) -> None:
    """Send log lines to stderr, one format for every module."""
    from scrapersky.logs import configure_logging

    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])


def register_secret_key(app: Flask) -> None:
    """Use SECRET_KEY or the instance folder's generated key; refuse a weak one with tokens."""
    from scrapersky.secret_key import check_secret_key, resolve_secret_key

    key = resolve_secret_key(app.config["SECRET_KEY"], app.instance_path)
    check_secret_key(key, bool(app.config["SCRAPERSKY_API_TOKENS"]))
    app.config["SECRET_KEY"] = key


def register_request_reading(app: Flask) -> None:
    """Read clients through SCRAPERSKY_PROXY_COUNT proxies; refuse JSON nested too deep."""
    from scrapersky.exposure import register_proxy_fix
    from scrapersky.json_bodies import BoundedJSONProvider

    register_proxy_fix(app)
    app.json = BoundedJSONProvider(app)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from scrapersky import models  # noqa: F401  (register tables)
    from scrapersky.extensions import (
        CookieSessionInterface,
        configure_pool_pings,
        configure_read_only_requests,
        configure_sqlite,
        csrf,
        db,
        migrate,
    )

    app.session_interface = CookieSessionInterface()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        configure_pool_pings(db.engine)
        configure_read_only_requests(app, db.engine)


def register_blueprints(app: Flask) -> None:
    """Mount the JSON API and the HTML dashboard."""
    from scrapersky.blueprints import dashboard, docs, email_scanner, health

    app.register_blueprint(email_scanner.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(docs.bp)


def register_access(app: Flask) -> None:
    """Refuse an open `flask run --host`; answer only served Host names; require tokens when
    configured (API bearer, dashboard login); limit submits and failed logins."""
    from scrapersky.blueprints.auth import register_auth
    from scrapersky.exposure import check_dev_server_bind, register_host_check
    from scrapersky.ratelimits import register_rate_limits

    check_dev_server_bind(app)
    register_auth(app)
    register_host_check(app)  # after register_auth: the Host is checked first of all
    register_rate_limits(app)


def register_template_filters(app: Flask) -> None:
    """Show IDN hosts and addresses in their Unicode form."""
    from scrapersky.scraping.emails import display_email
    from scrapersky.sites import display_host

    app.add_template_filter(display_email, "display_email")
    app.add_template_filter(display_host, "display_host")


def register_security(app: Flask) -> None:
    """Send security headers with every response."""
    from scrapersky.security import register_security_headers

    register_security_headers(app)


def register_errorhandlers(app: Flask) -> None:
    """Answer every API error in one JSON shape."""
    from scrapersky.blueprints.errors import register_error_handlers, register_not_found_handler

    register_error_handlers(app)
    register_not_found_handler(app)


def register_commands(app: Flask) -> None:
    """Add `scan`, `extract` and `worker` (Flask-Migrate adds `db`)."""
    from scrapersky.cli import extract_command, scan_command, worker_command

    for command in (scan_command, extract_command, worker_command):
        app.cli.add_command(command)


def register_dev_scheduler(app: Flask) -> None:
    """Under `flask run`, run the scheduler in the serving process, never the reloader's parent."""
    from scrapersky.schedulers.runner import is_dev_server_child, start_designated_scheduler

    if is_dev_server_child():
        start_designated_scheduler(app)
