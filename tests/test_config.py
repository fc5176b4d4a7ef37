"""Settings: parsing, defaults, and agreement with .env.example and docker-compose.yml."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from scrapersky.config import SETTINGS, ConfigError, database_uri, load_settings

ROOT = Path(__file__).resolve().parent.parent


def env_example_keys() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def test_env_example_lists_every_setting_with_its_default():
    example = env_example_keys()
    assert set(example) == set(SETTINGS)
    defaults = load_settings(example)
    for name, (default, _parse) in SETTINGS.items():
        assert defaults[name] == default, name


def test_compose_passes_every_setting_to_web_and_worker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"scrapersky", "worker", "postgres"} <= set(services)
    for name in ("scrapersky", "worker"):
        environment = services[name]["environment"]
        keys = set(environment if isinstance(environment, dict) else
                   (item.split("=", 1)[0] for item in environment))
        assert set(SETTINGS) <= keys, f"{name} lacks {set(SETTINGS) - keys}"


def test_interval_accepts_fractions_and_rejects_nonsense():
    assert load_settings({"EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES": "0.05"})[
        "EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES"] == 0.05
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ConfigError, match="EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES"):
            load_settings({"EMAIL_SCAN_SCHEDULER_INTERVAL_MINUTES": bad})


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("0", False), ("Yes", True)])
def test_booleans(raw, value):
    assert load_settings({"EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS": raw})[
        "EMAIL_SCAN_ALLOW_PRIVATE_NETWORKS"] is value


def test_bad_boolean_names_the_setting():
    with pytest.raises(ConfigError, match="EMAIL_SCAN_SCHEDULER_ENABLED"):
        load_settings({"EMAIL_SCAN_SCHEDULER_ENABLED": "maybe"})


def test_database_uri_defaults_to_sqlite_in_instance_and_uses_psycopg3():
    assert database_uri("", "/srv/instance") == "sqlite:////srv/instance/scrapersky.db"
    assert database_uri("postgres://u@h/db", "/x") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgresql://u@h/db", "/x") == "postgresql+psycopg://u@h/db"


def test_environment_reaches_the_app(monkeypatch, tmp_path):
    from scrapersky import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("EMAIL_SCAN_MAX_PAGES", "7")
    app = create_app()
    assert app.config["EMAIL_SCAN_MAX_PAGES"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/env.db")


@pytest.mark.parametrize(("value", "expected"), [
    (None, True), ("true", True), ("false", False), ("0", False), ("OFF", False)])
def test_gunicorn_workers_get_a_listening_socket_each_unless_turned_off(
        monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("GUNICORN_REUSE_PORT", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_REUSE_PORT", value)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["reuse_port"] is expected
