"""The key that signs sessions and CSRF tokens: SECRET_KEY, or a random one generated once
into the instance folder; a weak key is refused while API tokens guard the app."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

from scrapersky.config import ConfigError

logger = logging.getLogger(__name__)
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_BYTES = 32
GENERATED_KEY_BYTES = 48
# Keys published in this project's history and in common examples: anyone may know them.
KNOWN_DEFAULT_KEYS = frozenset({
    "dev-only-change-me", "dev", "development", "change-me", "changeme", "change_me",
    "secret", "secret-key", "secret_key", "your-secret-key", "super-secret", "test-secret",
})
HOW_TO_SET = ("set SECRET_KEY to a long random value (python -c 'import secrets; "
              "print(secrets.token_urlsafe(48))'), or unset it to have one generated into "
              "instance/secret_key")


def resolve_secret_key(configured: str, instance_path: str) -> str:
    """Return SECRET_KEY, or the instance folder's key, generated on first use."""
    if configured:
        return configured
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        if not path.exists():
            create_key_file(path)
        return read_key_file(path)
    except OSError as exc:
        raise ConfigError(f"SECRET_KEY is unset and {path} cannot be used ({exc}); "
                          "set SECRET_KEY, or make the instance folder writable") from exc


def create_key_file(path: Path) -> None:
    """Write a random key to `path` with mode 0600, unless another process did it first.

    The key is written to a file of its own and then linked into place, so that gunicorn
    workers starting together all read the same, complete key."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(secrets.token_urlsafe(GENERATED_KEY_BYTES) + "\n")
    try:
        os.link(temporary, path)
        logger.info("generated a secret key into %s", path)
    except FileExistsError:
        pass  # another process generated it first: everyone uses that one
    finally:
        os.unlink(temporary)


def read_key_file(path: Path) -> str:
    """Return the key stored in `path`; warn when other users may read it."""
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        logger.warning("%s can be read by other users; restrict it: chmod 600 %s", path, path)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ConfigError(f"{path} is empty; delete it to have a new key generated, or set "
                          "SECRET_KEY")
    return key


def weak_key_reason(key: str) -> str | None:
    """Return why a secret key is unsafe to sign sessions with, or None if it is fine."""
    if key in KNOWN_DEFAULT_KEYS:
        return "is a published default"
    size = len(key.encode())
    if size < MIN_SECRET_KEY_BYTES:
        return f"is {size} bytes long, shorter than {MIN_SECRET_KEY_BYTES}"
    return None


def check_secret_key(key: str, has_tokens: bool) -> None:
    """Refuse a weak key when API tokens are set (a forged session would pass as a login);
    without tokens only warn."""
    reason = weak_key_reason(key)
    if reason is None:
        return
    if has_tokens:
        raise ConfigError(f"SECRET_KEY {reason}: with SCRAPERSKY_API_TOKENS set, anyone who "
                          f"knows it could forge a dashboard login; {HOW_TO_SET}")
    logger.warning("SECRET_KEY %s; %s", reason, HOW_TO_SET)


def session_token_id(token: str, key: str | bytes) -> str:
    """Return what a dashboard session keeps of its token: an HMAC under the secret key,
    which neither the API nor the logs show and which cannot be made without the token."""
    secret = key if isinstance(key, bytes) else key.encode()
    return hmac.new(secret, b"scrapersky-session\0" + token.encode(),
                    hashlib.sha256).hexdigest()
