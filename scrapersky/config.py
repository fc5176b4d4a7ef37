"""Settings: defaults, overridden by the environment (and `.env`), then by test config."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

MIN_API_TOKEN_CHARS = 16
MAX_USER_NAME_CHARS = 120
RATE_LIMIT_OFF = {"off", "none", "0", "false", "no"}
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_USER_AGENT = (
    "ScraperSkyEmailScanner/0.1 (+https://github.com/scrapersky/email-scanner; "
    "finds published contact addresses; obeys robots.txt)"
)


def parse_bool(value: str) -> bool:
    """Read a boolean setting: true/false, yes/no, on/off, 1/0."""
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def parse_positive_float(value: str) -> float:
    """Read a number that must be greater than zero."""
    number = float(value)
    if not number > 0:
        raise ValueError(f"must be greater than 0, got {value!r}")
    return number


def parse_positive_int(value: str) -> int:
    """Read a whole number that must be at least 1."""
    number = int(value)
    if number < 1:
        raise ValueError(f"must be at least 1, got {value!r}")
    return number


def parse_non_negative_int(value: str) -> int:
    """Read a whole number that must be at least 0."""
    number = int(value)
    if number < 0:
        raise ValueError(f"must be at least 0, got {value!r}")
    return number


def parse_cookie_secure(value: str) -> bool | str:
    """Read SESSION_COOKIE_SECURE: `auto` (Secure when the request came over https) or a
    boolean."""
    return "auto" if value.strip().lower() == "auto" else parse_bool(value)


def parse_pending_limit(value: str) -> int:
    """Read a cap on pending jobs: a whole number from 1; `off` (0) disables it."""
    return 0 if value.strip().lower() in RATE_LIMIT_OFF else parse_positive_int(value)


def parse_trusted_hosts(value: str) -> tuple[str, ...]:
    """Read host names, comma-separated: `example.com`, `.example.com` (it and its
    subdomains), IP addresses, or `*` (any host)."""
    hosts = tuple(normalise_trusted_host(item) for item in value.split(",") if item.strip())
    if "*" in hosts and len(hosts) > 1:
        raise ValueError("`*` allows every host; list it alone")
    return hosts


def normalise_trusted_host(item: str) -> str:
    """Return one trusted-host entry in the form requests are compared with."""
    entry = item.strip().lower().rstrip(".")
    if entry == "*":
        return entry
    try:
        return str(ipaddress.ip_address(entry.strip("[]")))
    except ValueError:
        pass
    dot, name = ("." if entry.startswith(".") else ""), entry.lstrip(".")
    try:
        name = name.encode("idna").decode("ascii")  # Host headers carry the ASCII form
    except UnicodeError:
        name = ""
    if not name or not all(label and len(label) <= 63 and label.replace("-", "").isalnum()
                           and label.isascii() for label in name.split(".")):
        raise ValueError(f"{item.strip()!r} is not a host name (give names without ports, "
                         "e.g. scan.example.com or .example.com)")
    return dot + name


def parse_storage_uri(value: str) -> str:
    """Read where rate-limit counters live: a `limits` storage URI such as memory:// or
    redis://host:6379; empty for the shared file in the instance folder."""
    from limits.storage import SCHEMES

    import scrapersky.ratelimit_storage  # noqa: F401  (registers its scheme)

    scheme = value.strip().partition("://")[0]
    if scheme not in SCHEMES:
        raise ValueError(f"unknown storage scheme {scheme!r}; use e.g. memory:// or "
                         "redis://host:6379")
    return value.strip()


def token_fingerprint(token: str) -> str:
    """Return a stable, non-secret label of a token (the name of an unnamed one)."""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:10]


def parse_api_tokens(value: str) -> dict[str, str]:
    """Read `token` or `name:token` items, comma-separated, into {token: name}."""
    tokens: dict[str, str] = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        name, _, token = item.partition(":") if ":" in item else ("", "", item)
        name, token = name.strip(), token.strip()
        if len(token) < MIN_API_TOKEN_CHARS:
            raise ValueError(f"every token needs at least {MIN_API_TOKEN_CHARS} characters")
        if token in tokens:
            raise ValueError("a token is listed twice")
        tokens[token] = (name or token_fingerprint(token))[:MAX_USER_NAME_CHARS]
    return tokens


def parse_rate_limit(value: str) -> str:
    """Read a rate limit such as `120/minute` or `10/second;500/hour`; `off` disables."""
    from limits import parse_many

    if value.strip().lower() in RATE_LIMIT_OFF:
        return ""
    parse_many(value)  # raises ValueError naming what it could not read
    return value.strip()


def parse_ports(value: str) -> tuple[int, ...]:
    """Read TCP ports, comma-separated: `80,443,8080,8443`."""
    ports = sorted({int(item) for item in value.split(",") if item.strip()})
    if not ports or not all(1 <= port <= 65535 for port in ports):
        raise ValueError("expected one or more ports from 1 to 65535, comma-separated")
    return tuple(ports)


def parse_log_format(value: str) -> str:
    """Read the log format: text or json."""
    lowered = value.strip().lower()
    if lowered not in {"text", "json"}:
        raise ValueError(f"expected text or json, got {value!r}")
    return lowered


# name -> (default, parser). `.env.example` lists exactly these keys.
SETTINGS: dict[str, tuple[Any, Callable[[str], Any]]] = {
    "DATABASE_URL": ("", str),
    "SECRET_KEY": ("", str),
    "LOG_LEVEL": ("INFO", str),
    "LOG_FORMAT": ("text", parse_log_format),
    "EMAIL_SCAN_SCHEDULER_ENABLED": (True, parse_bool),
    "EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES": (1.0, parse_positive_float),
    "EMAIL_SCAN_SCHEDULER_BATCH_SIZE": (10, parse_positive_int),
    "EMAIL_SCAN_CONCURRENCY": (2, parse_positive_int),
    "EMAIL_SCAN_JOB_LEASE_SECONDS": (600, parse_positive_int),
    "EMAIL_SCAN_MAX_ATTEMPTS": (3, parse_positive_int),
    "EMAIL_SCAN_RETRY_BASE_SECONDS": (30.0, parse_positive_float),
    "EMAIL_SCAN_SHUTDOWN_GRACE_SECONDS": (20.0, parse_positive_float),
    "EMAIL_SCAN_MAX_PAGES": (60, parse_positive_int),
    "EMAIL_SCAN_MAX_DEPTH": (6, parse_positive_int),
    "EMAIL_SCAN_REQUEST_TIMEOUT_SECONDS": (10.0, parse_positive_float),
    "EMAIL_SCAN_WALL_TIME_SECONDS": (300.0, parse_positive_float),
    "EMAIL_SCAN_MAX_PAGE_BYTES": (2_000_000, parse_positive_int),
    "EMAIL_SCAN_MAX_TOTAL_BYTES": (30_000_000, parse_positive_int),
    "EMAIL_SCAN_PER_HOST_CONCURRENCY": (2, parse_positive_int),
    "EMAIL_SCAN_INCLUDE_SUBDOMAINS": (False, parse_bool),
    "EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": (False, parse_bool),
    "EMAIL_SCAN_ALLOWED_PORTS": ((80, 443, 8080, 8443), parse_ports),
    "EMAIL_SCAN_USER_AGENT": (DEFAULT_USER_AGENT, str),
    "SCRAPERSKY_API_TOKENS": ({}, parse_api_tokens),
    "SCRAPERSKY_ALLOW_OPEN": (False, parse_bool),
    "SCRAPERSKY_TRUSTED_HOSTS": ((), parse_trusted_hosts),
    "SCRAPERSKY_PROXY_COUNT": (0, parse_non_negative_int),
    "SESSION_COOKIE_SECURE": ("auto", parse_cookie_secure),
    "SCRAPERSKY_SUBMIT_RATE_LIMIT": ("600/minute", parse_rate_limit),
    "SCRAPERSKY_LOGIN_RATE_LIMIT": ("10/minute", parse_rate_limit),
    "SCRAPERSKY_RATE_LIMIT_STORAGE_URI": ("", parse_storage_uri),
    "SCRAPERSKY_MAX_PENDING_PER_USER": (1000, parse_pending_limit),
}


class ConfigError(click.ClickException, RuntimeError):
    """A setting in the environment has a value we cannot use. The command line and gunicorn
    both print its message as one `Error: ...` line instead of a traceback."""


def instance_folder(environ: Mapping[str, str]) -> str:
    """Return the instance folder: SCRAPERSKY_INSTANCE_PATH, else `instance/` of the checkout."""
    return environ.get("SCRAPERSKY_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")


def load_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return every setting, parsed, from the environment or its default."""
    settings: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            settings[name] = default
            continue
        try:
            settings[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"setting {name}={raw!r} is invalid: {exc}") from exc
    return settings


def database_uri(database_url: str, instance_path: str) -> str:
    """Return the SQLAlchemy URI: DATABASE_URL, or SQLite in the instance folder."""
    if not database_url:
        return f"sqlite:///{Path(instance_path) / 'scrapersky.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://"):]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return database_url


def build_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the Flask config mapping derived from the environment."""
    settings = load_settings(os.environ if environ is None else environ)
    uri = database_uri(settings["DATABASE_URL"], instance_path)
    settings.update(
        SQLALCHEMY_DATABASE_URI=uri,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(uri),
        MAX_CONTENT_LENGTH=1_000_000,
        SCHEDULER_LOCK_FILE=str(Path(instance_path) / "scheduler.lock"),
    )
    return settings


def engine_options(uri: str) -> dict[str, Any]:
    """Return engine options suited to the database kind."""
    if uri.startswith("sqlite"):
        # Wait for a lock instead of failing at once; check_same_thread off for the pool.
        return {"connect_args": {"timeout": 15, "check_same_thread": False}}
    # Idle connections are pinged before use: extensions.configure_pool_pings.
    return {"pool_size": 5, "max_overflow": 10}
