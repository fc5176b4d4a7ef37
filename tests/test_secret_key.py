"""The secret key: generated once into the instance folder when unset, refused when weak while
tokens guard the app, and never recoverable from what the API shows."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path

import flask_migrate
import pytest
import yaml

from scrapersky import create_app
from scrapersky.config import ConfigError, token_fingerprint
from scrapersky.exposure import check_server_start
from scrapersky.extensions import db
from scrapersky.secret_key import SECRET_KEY_FILE, resolve_secret_key, session_token_id

ROOT = Path(__file__).resolve().parent.parent
ALICE = "alice-token-0123456789"
BARE = "bare-token-abcdefghijkl"
LONG_KEY = "k" * 32


@pytest.fixture
def make_app(app_config: dict):
    """Make apps on the migrated test database with extra settings; engines closed after."""
    apps = []

    def make(**overrides):
        app = create_app({**app_config, **overrides})
        with app.app_context():
            flask_migrate.upgrade()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_unset_key_is_generated_once_into_the_instance_folder(make_app):
    first = make_app(SECRET_KEY="")
    key_file = Path(first.instance_path) / SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key.encode()) >= 32
    assert key_file.read_text().strip() == first.secret_key
    assert make_app(SECRET_KEY="").secret_key == first.secret_key  # reused, not replaced


def test_processes_starting_together_all_get_the_same_key(tmp_path):
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(resolve_secret_key("", str(tmp_path)))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys) == 8
    assert sorted(path.name for path in tmp_path.iterdir()) == [SECRET_KEY_FILE]


def test_a_set_key_is_used_as_is_and_nothing_is_written(make_app):
    app = make_app(SECRET_KEY=LONG_KEY)
    assert app.secret_key == LONG_KEY
    assert not (Path(app.instance_path) / SECRET_KEY_FILE).exists()


@pytest.mark.parametrize(("key", "reason"), [
    ("dev-only-change-me", "is a published default"),
    ("short-but-not-a-default", "is 23 bytes long, shorter than 32"),
])
def test_weak_key_with_tokens_refuses_to_start_naming_secret_key(make_app, key, reason):
    with pytest.raises(ConfigError, match=f"SECRET_KEY {reason}") as refused:
        make_app(SECRET_KEY=key, SCRAPERSKY_API_TOKENS=ALICE)
    assert "token_urlsafe" in str(refused.value)  # says how to make a good one


def test_weak_key_without_tokens_only_warns(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="scrapersky"):
        app = make_app(SECRET_KEY="dev-only-change-me")
    assert app.secret_key == "dev-only-change-me"
    assert "SECRET_KEY is a published default" in caplog.text


def test_gunicorn_start_refuses_a_weak_key_with_tokens(tmp_path):
    environ = {"SCRAPERSKY_INSTANCE_PATH": str(tmp_path), "SCRAPERSKY_API_TOKENS": ALICE,
               "SECRET_KEY": "dev-only-change-me"}
    with pytest.raises(ConfigError, match="SECRET_KEY is a published default"):
        check_server_start(["127.0.0.1:8000"], environ)
    check_server_start(["127.0.0.1:8000"], {**environ, "SECRET_KEY": ""})
    assert (tmp_path / SECRET_KEY_FILE).exists()  # made once, before the workers start


def test_unusable_key_file_is_a_clear_error(tmp_path):
    (tmp_path / SECRET_KEY_FILE).write_text("\n")
    with pytest.raises(ConfigError, match="is empty; delete it"):
        resolve_secret_key("", str(tmp_path))
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with pytest.raises(ConfigError, match="SECRET_KEY is unset and .* cannot be used"):
        resolve_secret_key("", str(not_a_folder))


def test_readable_key_file_is_reported(tmp_path, caplog):
    key_file = tmp_path / SECRET_KEY_FILE
    key_file.write_text(LONG_KEY)
    key_file.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="scrapersky"):
        assert resolve_secret_key("", str(tmp_path)) == LONG_KEY
    assert "chmod 600" in caplog.text


def session_of(app, client) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)


def test_session_holds_an_hmac_never_the_fingerprint_the_api_shows(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=BARE)
    client = app.test_client()
    assert client.post("/login", data={"token": BARE}).status_code == 302
    stored = session_of(app, client)
    assert set(stored) == {"token_id"}
    assert stored["token_id"] == session_token_id(BARE, app.secret_key)
    shown = token_fingerprint(BARE)  # the unnamed token's created_by
    assert shown not in str(stored) and shown.removeprefix("token-") not in str(stored)
    assert client.get("/").status_code == 200


def test_a_session_forged_from_what_the_api_shows_is_refused(make_app):
    app = make_app(SCRAPERSKY_API_TOKENS=BARE)
    serializer = app.session_interface.get_signing_serializer(app)
    client = app.test_client()
    forged = {"user": token_fingerprint(BARE), "token_id": token_fingerprint(BARE)}
    client.set_cookie("session", serializer.dumps(forged))
    assert client.get("/").status_code == 302  # back to the login page
    other_key = {"token_id": session_token_id(BARE, "another-key-" + LONG_KEY)}
    client.set_cookie("session", serializer.dumps(other_key))
    assert client.get("/").status_code == 302


def test_sessions_end_when_the_key_changes(make_app):
    first = make_app(SCRAPERSKY_API_TOKENS=ALICE, SECRET_KEY=LONG_KEY)
    client = first.test_client()
    client.post("/login", data={"token": ALICE})
    cookie = client.get_cookie("session").value
    rotated = make_app(SCRAPERSKY_API_TOKENS=ALICE, SECRET_KEY="r" * 40).test_client()
    rotated.set_cookie("session", cookie)
    assert rotated.get("/").status_code == 302


def test_compose_carries_no_default_key():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "dev-only-change-me" not in text
    settings = yaml.safe_load(text)["x-settings"]
    assert settings["SECRET_KEY"] in ("${SECRET_KEY:-}", "${SECRET_KEY}")
    example = (ROOT / ".env.example").read_text()
    assert "\nSECRET_KEY=\n" in example
