"""Tests of the look-alike rules: each refusal beside a real address, and what it must keep."""

from __future__ import annotations

import pytest

from scrapersky.scraping.emails import analyse_html
from scrapersky.scraping.emails.refuse import (
    PLAIN,
    STRONG,
    WEAK,
    context_mark,
    is_fediverse_host,
    is_lookalike,
    is_sample_address,
)

LOOKALIKES = [
    ("bundle", "2x.zip"), ("hero", "1.5x.mov"), ("sprite", "icons.map"),
    ("4f8e2a7c9b1d4e6fa3c5b7d9e1f2a4c6", "o482716.ingest.sentry.io"),
    ("key", "o1.ingest.us.sentry.io"),
    ("3f2b1c4d-9e8a-4b7c-a6d5-0e1f2a3b4c5d", "acme.de"),
    ("yb1dxw", "mail.gmail.com"), ("am6pr08mb1234", "am6pr08mb1234.eurprd08.prod.outlook.com"),
    ("noreply", "acme.de"), ("no-reply-billing", "acme.de"), ("donotreply", "acme.de"),
    ("12345+jane", "users.noreply.github.com"), ("bounce-7c1e", "bounces.mailer-host.net"),
    ("firstname.lastname", "acme.de"), ("vorname.nachname", "acme.de"), ("you", "acme.de"),
    ("git", "github.com"), ("git", "code.acme.dev"),
    ("bob", "example.com"), ("bob", "example.co.uk"),
    ("reply+af3k2l9d0s8f7g6h5j4k3l", "reply.github.com"), ("a1b2c3d4e5f6g7h8i9j0", "acme.de"),
    ("20240311101500.12345-1-jane", "acme-dev.org"),
]
NOT_LOOKALIKES = [
    ("info", "3x-solutions.com"), ("team", "2xl-sports.co.uk"), ("office", "1x1-consulting.at"),
    ("security", "sentry.io"), ("jane", "bugsnag.com"), ("data", "ingestlabs.io"),
    ("cafe", "deadbeef-records.com"), ("gitta.maier", "gitarrenschule-maier.de"),
    ("reply", "acme.de"), ("jane", "gmail.com"), ("john", "acme.de"), ("name", "acme.de"),
    ("info", "examplecorp-lawyers.de"),  # only example.* itself is reserved
    ("johnsmithplumbing2019", "gmail.com"), ("mariagonzalez19850612", "gmail.com"),
    ("12345678", "qq.com"), ("jane+newsletter", "acme.de"),
]


@pytest.mark.parametrize(("local", "host"), LOOKALIKES)
def test_lookalikes_are_refused_everywhere(local: str, host: str) -> None:
    assert is_lookalike(local, host)


@pytest.mark.parametrize(("local", "host"), NOT_LOOKALIKES)
def test_real_addresses_are_no_lookalikes(local: str, host: str) -> None:
    assert not is_lookalike(local, host)


@pytest.mark.parametrize(
    ("local", "host", "expected"),
    [
        ("john.doe", "company.com", True), ("jane.doe", "acme.de", True),
        ("name", "acme.de", True), ("user", "domain.com", True),
        ("info", "yourcompany.com", True), ("you", "your-domain.co.uk", True),
        ("accounts", "yourbusiness.co.uk", True), ("max.mustermann", "web.de", True),
        ("test", "test.com", True), ("john", "gmail.com", True), ("jane", "hotmail.co.uk", True),
        ("info", "musterfirma.de", True), ("hello", "my-site.com", True),
        ("info", "examplecorp.com", True),
        ("john", "acme.de", False), ("johnsplumbing1974", "gmail.com", False),
        ("malerbetrieb.weiss", "gmx.de", False), ("info", "yourhealthclinic.co.uk", False),
        ("jane", "myshopify-experts.com", False), ("hello", "mail.com", False),
        ("orders", "web.de", False), ("info", "firma.de", False),
    ],
)
def test_is_sample_address(local: str, host: str, expected: bool) -> None:
    assert is_sample_address(local, host) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("mastodon.social", True), ("fosstodon.org", True), ("hachyderm.io", True),
        ("mastodon.acme.org", True), ("toot.ramos.family", True),
        ("social-media-agency.com", False), ("mastodonte-bikes.fr", False),
        ("social.acme.org", False), ("toot-sweet-cakes.co.uk", False), ("mastodon.de", False),
    ],
)
def test_is_fediverse_host(host: str, expected: bool) -> None:
    assert is_fediverse_host(host) is expected


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("Use your address, e.g. ", STRONG), ("(e.g. ", STRONG), ("E.g.: ", STRONG),
        ("for example, ", STRONG), ("for instance ", STRONG), ("eg. ", STRONG),
        ("Bitte angeben, z. B. ", STRONG), ("z.B. ", STRONG), ("zum Beispiel ", STRONG),
        ("par exemple : ", STRONG), ("por ejemplo ", STRONG), ("ad esempio ", STRONG),
        ("bijvoorbeeld ", STRONG), ("np. ", STRONG), ("t.ex. ", STRONG),
        ("会员登录名为您的电子邮箱，例如：", STRONG), ("例：", STRONG),
        ("Example: ", STRONG), ("Example address: ", STRONG), ("Beispiel-E-Mail: ", STRONG),
        ('git config --global user.email "', STRONG), ("ssh ", STRONG),
        ("ssh -p 2222 ", STRONG), ("rsync -avz ./dist ", STRONG),
        ("Signed-off-by: Ines Alvarez <", STRONG), ("Co-authored-by: Ruth Lang <", STRONG),
        ("Message-ID: <", STRONG), ("In-Reply-To: <", STRONG),
        ('git commit --author="Jane Doe <', STRONG),
        ("Mastodon: ", STRONG), ("Fediverse ", STRONG), ("acct:", STRONG),
        ("Use a role address such as ", WEAK),
        ("Write to ", PLAIN), ("", PLAIN), ("E-Mail: ", PLAIN),
        ("z. B. per E-Mail an ", PLAIN), ("e.g. by email: ", PLAIN),
        ("Volksbank Rennsteig eG. E-Mail: ", PLAIN), ("Volksbank eG ", PLAIN),
        ("Acme B.V. ", PLAIN), ("NP. ", PLAIN), ("For an example of our work: ", PLAIN),
        ("Free sample: ", PLAIN), ("References available on request: ", PLAIN),
        ("References: ", PLAIN), ("Message us: ", PLAIN), ("SSH helpdesk: ", PLAIN),
        ("Author: Kofi Mensah <", PLAIN), ("Follow us on Mastodon or write to ", PLAIN),
    ],
)
def test_context_mark(before: str, expected: int) -> None:
    assert context_mark(before) == expected


def _emails(html: str, site_host: str | None = "acme.de") -> list[str]:
    url = f"https://{site_host}/" if site_host else ""
    return sorted(f.email for f in analyse_html(html, url, site_host).findings)


# (id, html, site host, addresses): each refusal stands beside a real address.
PAGES = [
    ("handle-with-at", "<p>@jane@mastodon.social</p><p>jane@acme.de</p>", ["jane@acme.de"]),
    ("known-server", "<p>Mastodon news: acme@fosstodon.org. Mail: info@acme.de</p>",
     ["info@acme.de"]),
    ("profile-link",
     '<a rel="me" href="https://social.jane.dev/@jane">jane@social.jane.dev</a>'
     "<p>Office: info@acme.de</p>", ["info@acme.de"]),
    ("profile-link-other-user-keeps",
     '<a href="https://social.jane.dev/@tom">Tom</a><p>jane@social.jane.dev</p>',
     ["jane@social.jane.dev"]),
    ("profile-link-but-mailto-keeps",
     '<a href="https://acme.de/@jane">Jane</a><a href="mailto:jane@acme.de">Mail</a>',
     ["jane@acme.de"]),
    ("own-instance-about-page", "<p>Contact the admins: admin@mastodon.social</p>",
     ["admin@mastodon.social"]),
    ("e-g", "<p>Enter an address, e.g. sam@acme-partner.de.</p><p>info@acme.de</p>",
     ["info@acme.de"]),
    ("example-and-plain", "<p>e.g. info@acme.de</p><footer>Contact: info@acme.de</footer>",
     ["info@acme.de"]),
    ("e-g-before-mailto",
     "<p>e.g. <a href='mailto:sales@acme.de'>Sales</a></p>", ["sales@acme.de"]),
    ("such-as-off-site", "<p>Use an alias such as bookings@plumber.co.uk</p><p>x@acme.de</p>",
     ["x@acme.de"]),
    ("such-as-own-site", "<p>Write to a desk such as press@acme.de</p>", ["press@acme.de"]),
    ("sample-off-site", "<p>john@gmail.com john.doe@company.com you@yourdomain.com</p>"
     "<p>team@acme.de</p>", ["team@acme.de"]),
    ("sample-locals-own-site", "<p>John: john@acme.de, Jane: jane.doe@acme.de</p>",
     ["jane.doe@acme.de", "john@acme.de"]),
    ("format-own-site", "<p>Our addresses read firstname.lastname@acme.de</p>"
     "<p>hello@acme.de</p>", ["hello@acme.de"]),
    ("git-config", '<pre>git config user.email "dev@acme.de"</pre><p>hi@acme.de</p>',
     ["hi@acme.de"]),
    ("ssh", "<pre>ssh -p 2222 deploy@build.acme.de</pre><p>ops@acme.de</p>", ["ops@acme.de"]),
    ("trailer", "<pre>Signed-off-by: Ann Lee &lt;ann@acme.de&gt;</pre><p>dev@acme.de</p>",
     ["dev@acme.de"]),
    ("message-id", "<pre>Message-ID: &lt;20240311.4412.list@lists.acme.de&gt;</pre>"
     "<p>list@lists.acme.de</p>", ["list@lists.acme.de"]),
    ("mastodon-label", "<p>Mastodon: team@social.acme.de</p><p>team@acme.de</p>",
     ["team@acme.de"]),
]


@pytest.mark.parametrize(("html", "expected"), [c[1:] for c in PAGES], ids=[c[0] for c in PAGES])
def test_page_refuses_lookalikes_beside_real_addresses(html: str, expected: list[str]) -> None:
    site = "mastodon.social" if "admins" in html else "acme.de"
    assert _emails(html, site) == expected


def test_samples_are_refused_when_the_site_is_unknown() -> None:
    assert _emails("<p>john@acme.de jane.doe@acme.de</p>", None) == ["john@acme.de"]


def test_wildcard_suffix_site_keeps_its_own_sample_looking_staff() -> None:
    html = "<p>Mr J. Doe, Head: john.doe@oakfield.sch.uk</p>"
    assert _emails(html, "www.oakfield.sch.uk") == ["john.doe@oakfield.sch.uk"]
