"""Tests of the '@' scanner: what a plain string yields, and what it must refuse."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails.scan import scan_text, strip_escape

# (id, text, addresses in order)
SCANS = [
    ("plain", "Write to jane@acme.de today", ["jane@acme.de"]),
    ("wildcard-suffix", "office@oakfieldprimary.sch.uk", ["office@oakfieldprimary.sch.uk"]),
    ("fediverse-handle", "@jane@mastodon.social", []),
    ("fediverse-handle-beside-real", "@jane@fosstodon.org · jane@acme.de", ["jane@acme.de"]),
    ("fediverse-dotted-user", "Follow @tess.builds@mastodon.online", []),
    ("twitter-handle-beside-real", "@acme jane@acme.de", ["jane@acme.de"]),
    ("json-u003e", r"\u003cp\u003ejane@acme.de\u003c/p\u003e", ["jane@acme.de"]),
    ("json-u003e-lost-backslash", "u003ejane@acme.de", ["jane@acme.de"]),
    ("json-u0022", r"\u0022jane@acme.de\u0022", ["jane@acme.de"]),
    ("json-newline", r"Kontakt:\njane@acme.de", ["jane@acme.de"]),
    ("js-hex-escape", r"\x3cjane@acme.de\x3e", ["jane@acme.de"]),
    ("js-brace-escape", r"\u{3c}jane@acme.de", ["jane@acme.de"]),
    ("escaped-letter-in-local", r"Andr\u00e9@acme.fr", []),
    ("no-escape-without-backslash", "nina@acme.de tom@acme.de", ["nina@acme.de", "tom@acme.de"]),
    ("git-remote", "git clone git@github.com:org/repo.git", []),
    ("git-login", "ssh -T git@github.com", []),
    ("ssh-url", "ssh://deploy@build.acme.dev/srv", []),
    ("scp-target", "scp a.tgz deploy@build.acme.dev:/srv/www", []),
    ("npm-pins", "npm i lodash@4.17.21 @scope/pkg@latest pkg@^1.2.0", []),
    ("retina", "logo@2x.png icon@3x.webp hero@1.5x.jpg bundle@2x.zip", []),
    ("sentry-dsn", "https://4f8e2a7c9b1d4e6fa3c5b7d9e1f2a4c6@o1.ingest.sentry.io/5", []),
    ("message-id-host", "<CAJx7pQ9e_RzT=Yb1dXw@mail.gmail.com>", []),
    ("uuid-token", "3f2b1c4d-9e8a-4b7c-a6d5-0e1f2a3b4c5d@acme.de", []),
    ("noreply-host", "12345+jane@users.noreply.github.com", []),
    ("intranet", "admin@nas.home backup@fileserver.lan", []),
    ("colon-then-space-is-prose", "Mail jane@acme.de: we reply fast", ["jane@acme.de"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SCANS], ids=[c[0] for c in SCANS])
def test_scan_text(text: str, expected: list[str]) -> None:
    assert [email for email, _ in scan_text(text)] == expected


def test_positions_point_at_the_candidate() -> None:
    text = "Mail: jane@acme.de and tom@acme.de"
    assert list(scan_text(text)) == [("jane@acme.de", 6), ("tom@acme.de", 23)]


@pytest.mark.parametrize(
    ("local", "after_backslash", "expected"),
    [
        ("u003ejane", True, "jane"),
        ("x3ejane", True, "jane"),
        ("njane", True, "jane"),
        ("u00e9", True, ""),        # an escaped letter: the local part is not ASCII
        ("n", True, "n"),           # nothing would be left: not an escape
        ("u003cjane", False, "jane"),
        ("njane", False, "njane"),  # a letter n without a backslash is part of the name
        ("jane", True, "jane"),
    ],
)
def test_strip_escape(local: str, after_backslash: bool, expected: str) -> None:
    assert strip_escape(local, after_backslash) == expected
