"""Who may reach the server: an open server listens on loopback only unless opened on
purpose, answers only the Host names it serves, and sees clients through counted proxies."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import click
from dotenv import load_dotenv
from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from scrapersky.blueprints.errors import API_PREFIX, error_json
from scrapersky.config import PROJECT_ROOT, ConfigError, instance_folder, load_settings
from scrapersky.secret_key import check_secret_key, resolve_secret_key

logger = logging.getLogger(__name__)
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
# Probes and scrapers address a server by IP; these show counts only, never jobs.
ANY_HOST_ENDPOINTS = frozenset({"health.healthz", "health.metrics_text"})


def is_loopback_bind(address: str) -> bool:
    """Return whether a bind (`host:port`, `[::1]:port`, a bare host, `unix:...`, `fd://`)
    is reachable from this machine only."""
    if address.startswith(("unix:", "fd://")):
        return True
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or "]" in address else address
    return is_loopback_host(host.strip("[]").lower())


def is_loopback_host(host: str) -> bool:
    """Return whether a host name or address always means this machine."""
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or a 0.0.0.0-like wildcard: assume it is reachable


def open_bind_refusal(binds: Iterable[str], has_tokens: bool, allow_open: bool) -> str | None:
    """Return why serving these binds is refused, or None: beyond loopback, a server needs
    tokens or SCRAPERSKY_ALLOW_OPEN=true."""
    exposed = [bind for bind in binds if bind and not is_loopback_bind(bind)]
    if not exposed or has_tokens:
        return None
    if allow_open:
        logger.warning("serving %s without SCRAPERSKY_API_TOKENS (SCRAPERSKY_ALLOW_OPEN=true): "
                       "anyone who can reach it can submit scans and read every result; "
                       "unless SCRAPERSKY_TRUSTED_HOSTS lists the names clients use, only "
                       "loopback host names are answered", ", ".join(exposed))
        return None
    return (f"refusing to serve {', '.join(exposed)} without access control: anyone who can "
            "reach it could submit scans and read every result. Either set "
            "SCRAPERSKY_API_TOKENS (see README, Security), or set SCRAPERSKY_ALLOW_OPEN=true "
            "to serve it open on purpose (and SCRAPERSKY_TRUSTED_HOSTS to the names clients "
            "use), or listen on 127.0.0.1 only.")


def check_server_start(binds: Iterable[str], environ: Mapping[str, str] | None = None) -> None:
    """Before gunicorn listens: refuse an open bind or a weak key, and create the instance
    key once, before the workers start (raises ConfigError, which gunicorn prints)."""
    if environ is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        environ = os.environ
    settings = load_settings(environ)
    tokens = bool(settings["SCRAPERSKY_API_TOKENS"])
    folder = instance_folder(environ)
    os.makedirs(folder, exist_ok=True)
    check_secret_key(resolve_secret_key(settings["SECRET_KEY"], folder), tokens)
    refusal = open_bind_refusal(binds, tokens, settings["SCRAPERSKY_ALLOW_OPEN"])
    if refusal:
        raise ConfigError(refusal)


def check_dev_server_bind(app: Flask) -> None:
    """Under `flask run`, refuse an open `--host` (FLASK_RUN_HOST) as gunicorn does."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run" or "host" not in context.params:
        return
    refusal = open_bind_refusal([str(context.params["host"])], has_tokens(app),
                                app.config["SCRAPERSKY_ALLOW_OPEN"])
    if refusal:
        raise ConfigError(refusal)


def has_tokens(app: Flask) -> bool:
    """Return whether API tokens guard this app."""
    return bool(app.config.get("SCRAPERSKY_API_TOKENS"))


@dataclass(frozen=True)
class TrustedHosts:
    """The Host names a server answers: listed names (`.name` with subdomains), or loopback."""

    names: tuple[str, ...] = ()
    loopback: bool = False

    def allows(self, host: str) -> bool:
        """Return whether a request's host name (no port, lower case) is served."""
        if self.loopback and is_loopback_host(host):
            return True
        return any(host == name or (name.startswith(".") and
                                    (host == name[1:] or host.endswith(name)))
                   for name in self.names)


def trusted_hosts(configured: tuple[str, ...], tokens: bool) -> TrustedHosts | None:
    """Return the hosts to answer (None: any). Unset: loopback names without tokens, any
    host with them; `*`: any host."""
    if "*" in configured or (not configured and tokens):
        return None
    return TrustedHosts(names=configured, loopback=not configured)


def request_host_name() -> str:
    """Return the request's host name: no port, no brackets, lower case, no final dot."""
    host = (request.host or "").lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.rstrip(".")


def register_host_check(app: Flask) -> None:
    """Answer 400 to a Host this server does not serve (DNS rebinding), first of all hooks."""
    hosts = trusted_hosts(app.config["SCRAPERSKY_TRUSTED_HOSTS"], has_tokens(app))
    if hosts is None:
        return

    def check_host() -> Response | tuple[Response, int] | None:
        if request.endpoint in ANY_HOST_ENDPOINTS or hosts.allows(request_host_name()):
            return None
        return untrusted_host(request.headers.get("Host", ""))

    app.before_request_funcs.setdefault(None, []).insert(0, check_host)


def untrusted_host(host: str) -> Any:
    """Return the 400 answer for an unserved Host: the JSON error shape under /api/."""
    message = (f"this server does not answer to the host name {host[:100]!r}; its operator "
               "can list it in SCRAPERSKY_TRUSTED_HOSTS")
    if request.path.startswith(API_PREFIX):
        return error_json(400, "untrusted_host", message,
                          {"Host": ["not one of the host names this server serves"]})
    raise BadRequest(message)


def register_proxy_fix(app: Flask) -> None:
    """Behind SCRAPERSKY_PROXY_COUNT proxies, take the client's address, scheme, host and
    prefix from their X-Forwarded-* headers (each proxy adds its own value)."""
    count = app.config["SCRAPERSKY_PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count,  # type: ignore[method-assign]
                                x_port=count, x_prefix=count)
