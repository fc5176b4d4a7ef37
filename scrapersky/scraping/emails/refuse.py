"""Look-alikes to refuse: valid-looking addresses nobody publishes to be written to.

Three kinds, from strongest to weakest evidence:

- ``is_lookalike``: the address alone shows it is no mailbox, on any site: a file name
  (logo@2x.png, x@1.5x.zip), a monitoring key or reply token (hex, UUID or long mixed
  letters-and-digits local part, an ``ingest`` host), a message id (mail.gmail.com,
  *.prod.outlook.com, a timestamp local part), a no-reply or bounce sender, a format
  (firstname.lastname@, you@), the git login (git@), a reserved example.* domain.
- ``is_sample_address``: a canonical sample identity: sample local parts (john.doe@,
  name@, max.mustermann@), sample or template domains (company.com, yourdomain.com,
  my-site.de), a bare first name at a free mail provider (john@gmail.com). The collector
  keeps these on the site's own domain, where john@ or jane.doe@ is a person.
- ``context_mark``: the last words before the address. STRONG when they introduce an
  example ("e.g.", "for example", "z. B.", "par exemple", "例如", an "Example:" label) or
  show another identity (git ``user.email``, an ssh/scp command, a patch trailer such as
  Signed-off-by, a Message-ID header, a Mastodon/Fediverse label, ``acct:``); WEAK for
  "such as", which lists real addresses on the site's own domain and samples elsewhere.
  Only words right before the address count: "z. B. per E-Mail an info@..." is real.
  A git log's "Author: Name <address>" line is not marked: it names a person who
  published the address, unlike the trailers a patch collects from reviewers.
"""

from __future__ import annotations

import re

from scrapersky.scraping.emails.classify import is_free_mail
from scrapersky.scraping.emails.validate import registrable_domain

ASSET_EXTENSIONS = frozenset({
    "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "ico", "bmp", "tif", "tiff",
    "css", "js", "mjs", "map", "json", "xml", "txt", "pdf", "mp4", "mp3", "webm",
    "woff", "woff2", "ttf", "eot", "otf", "zip", "gz", "mov", "php", "html", "htm",
})
# Formats (firstname.lastname@) and logins (git@), refused even on the site's own domain.
NON_MAILBOX_LOCALS = frozenset({
    "you", "your", "yourname", "your.name", "your-name", "your_name", "youremail",
    "your.email", "your-email", "your_email", "youraddress", "yourmail", "firstname",
    "lastname", "firstname.lastname", "first.last", "first_last", "firstnamelastname",
    "firstname-lastname", "fname.lname", "vorname.nachname", "vorname", "nachname",
    "vorname-nachname", "prenom.nom", "nombre.apellido", "nome.cognome",
    "voornaam.achternaam", "imie.nazwisko", "xxx", "xxxx", "git",
})
NO_REPLY_PREFIXES = ("noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply")
NO_REPLY_LABELS = frozenset({"noreply", "no-reply", "donotreply", "do-not-reply", "bounces"})
# Hosts that name messages or monitoring endpoints, never mailboxes.
MESSAGE_ID_HOSTS = frozenset({"mail.gmail.com", "mx.google.com", "smtp.gmail.com"})
TELEMETRY_LABELS = frozenset({"ingest", "sentry-cdn"})
FEDIVERSE_HOSTS = frozenset({
    "mastodon.social", "mastodon.online", "mastodon.world", "mas.to", "fosstodon.org",
    "hachyderm.io", "infosec.exchange", "ioc.exchange", "mstdn.social", "mstdn.jp",
    "techhub.social", "chaos.social", "troet.cafe", "det.social", "social.vivaldi.net",
    "mastodon.art", "mathstodon.xyz", "sigmoid.social", "pixelfed.social",
    "toot.community", "mastodon.scot", "aus.social", "mastodon.nz", "indieweb.social",
    "social.coop", "kolektiva.social", "floss.social", "norden.social", "mastodontech.de",
    "nrw.social", "social.tchncs.de", "mastodon.uno", "mamot.fr", "piaille.fr",
    "framapiaf.org", "masto.es", "mastodon.ie", "masto.ai", "universeodon.com",
    "misskey.io", "lemmy.world", "threads.net", "pawoo.net", "mastodon.green",
})
FEDIVERSE_FIRST_LABELS = frozenset({
    "mastodon", "mstdn", "masto", "toot", "pixelfed", "misskey", "lemmy", "friendica",
    "pleroma", "akkoma", "gotosocial", "fedi", "fediverse",
})
# Canonical sample identities: refused unless on the site's own domain.
SAMPLE_LOCALS = frozenset({
    "name", "user", "username", "user.name", "test", "john.doe", "jane.doe", "johndoe",
    "janedoe", "jdoe", "j.doe", "max.mustermann", "maxmustermann", "m.mustermann",
    "erika.mustermann", "mustermann", "jean.dupont", "juan.perez", "mario.rossi",
    "jan.kowalski", "jan.jansen", "someone", "somebody", "abc", "abcd", "xyz", "asdf",
})
SAMPLE_FREE_MAIL_LOCALS = frozenset({
    "john", "jane", "joe", "bob", "alice", "max", "erika", "john.smith", "johnsmith",
    "jane.smith", "janesmith", "jsmith", "joe.bloggs", "joebloggs", "example", "sample",
    "demo", "test123", "me",
})
SAMPLE_DOMAINS = frozenset({
    "email.com", "email.de", "site.com", "address.com", "foo.com", "bar.com",
    "foobar.com", "host.com", "server.com", "test.com", "sample.com", "xyz.com", "xxx.com",
})
SAMPLE_DOMAIN_LABELS = frozenset({
    "domain", "domainname", "company", "companyname", "website", "beispiel", "musterfirma",
    "mustermann", "muster", "ejemplo", "exemple", "esempio", "voorbeeld", "przyklad",
})
SAMPLE_DOMAIN_PREFIXES = ("example", "placeholder", "dummy")
# "your..."/"my..." + a generic word is a template ("yourcompany", "my-domain").
_TEMPLATE_DOMAIN_RE = re.compile(
    r"(?:your|my|meine|votre|tu)[-_]?(?:domain|domaine|dominio|company|site|website|webseite|"
    r"business|name|email|mail|org|organi[sz]ation|shop|store|brand|server|host|url|agency|"
    r"firm|firma|school|club|web|provider|address|adresse|empresa|entreprise|societe|"
    r"azienda|bedrijf|unternehmen)(?:[-_]?(?:name|here|\d{1,3}))?\Z"
)
_SCALE_RE = re.compile(r"\d{1,2}(?:\.\d{1,2})?x\.")
_HEX_RE = re.compile(r"[0-9a-f]{24,64}\Z")
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_TIMESTAMP_ID_RE = re.compile(r"\d{8,}\.")  # <20240311101500.12345-1-jane@...> message ids
MIN_TOKEN_CHARS = 20
MIN_TOKEN_SWITCHES = 6  # letter/digit alternations: random, unlike name2019

STRONG, WEAK, PLAIN = 2, 1, 0
CONTEXT_TAIL_CHARS = 96
MAX_CONTEXT_WORDS = 10
TRAILING_PUNCTUATION = " \t\r\n\u00a0:：,;\"'«»“”„([{<*"
WORD_PUNCTUATION = "()[]{}\"'«»“”„:：,;<>*"
EXAMPLE_WORDS = frozenset({
    "e.g.", "e.g", "z.b.", "zb.", "bspw.", "beispielsweise", "bijvoorbeeld", "bijv.",
    "t.ex.", "esim.", "např.", "napr.", "например", "напр.", "örneğin", "örn.", "p.ex.",
    "p.ej.", "例えば",
})
EXAMPLE_PAIRS = frozenset({
    "e. g.", "for example", "for instance", "z. b.", "zum beispiel", "par exemple", "p. ex.",
    "por ejemplo", "p. ej.", "ad esempio", "per esempio", "na przykład", "t. ex.",
    "till exempel", "f. eks.", "for eksempel",
})
CASED_EXAMPLE_WORDS = frozenset({"eg", "eg.", "np."})  # "eG" is a German cooperative, "NP" a name
EXAMPLE_LABEL_STEMS = ("example", "beispiel", "exemple", "ejemplo", "esempio", "voorbeeld")
CJK_EXAMPLE_WORDS = ("例如", "比如", "例えば", "예를 들어")
CJK_EXAMPLE_LABELS = ("例:", "例：", "예:", "예：")
FEDIVERSE_LABELS = frozenset({
    "mastodon", "fediverse", "fedi", "pixelfed", "misskey", "pleroma", "akkoma", "friendica",
    "peertube", "lemmy", "gotosocial", "acct",
})
SSH_COMMANDS = frozenset({"ssh", "scp", "sftp", "rsync", "mosh", "sshfs", "ssh-copy-id"})
TRAILER_WORDS = frozenset({
    "signed-off-by", "co-authored-by", "reviewed-by", "acked-by", "tested-by",
    "reported-by", "suggested-by", "helped-by",
})
HEADER_WORDS = frozenset({"message-id", "messageid", "in-reply-to", "references"})


def is_lookalike(local: str, host: str) -> bool:
    """Tell whether a valid address is by itself no mailbox (see the module docstring)."""
    labels = host.split(".")
    if labels[-1] in ASSET_EXTENSIONS or _SCALE_RE.match(host):
        return True
    if local in NON_MAILBOX_LOCALS or local.startswith(NO_REPLY_PREFIXES):
        return True
    if _HEX_RE.match(local) or _UUID_RE.match(local) or _TIMESTAMP_ID_RE.match(local):
        return True
    if is_token(local.rpartition("+")[2]):
        return True
    if host in MESSAGE_ID_HOSTS or host.endswith(".prod.outlook.com"):
        return True
    if TELEMETRY_LABELS.intersection(labels) or NO_REPLY_LABELS.intersection(labels):
        return True
    return registrable_domain(host).startswith("example.")


def is_token(text: str) -> bool:
    """Tell whether text is a generated token: 20+ letters and digits, often alternating."""
    if len(text) < MIN_TOKEN_CHARS or not text.isalnum():
        return False
    switches = sum(a.isdigit() != b.isdigit() for a, b in zip(text, text[1:], strict=False))
    return switches >= MIN_TOKEN_SWITCHES


def is_sample_address(local: str, host: str) -> bool:
    """Tell whether an address is a canonical sample identity (see the module docstring)."""
    if local in SAMPLE_LOCALS:
        return True
    domain = registrable_domain(host) or host
    label = domain.split(".", 1)[0]
    if domain in SAMPLE_DOMAINS or label in SAMPLE_DOMAIN_LABELS:
        return True
    if label.startswith(SAMPLE_DOMAIN_PREFIXES) or _TEMPLATE_DOMAIN_RE.match(label):
        return True
    return local in SAMPLE_FREE_MAIL_LOCALS and is_free_mail(host)


def is_fediverse_host(host: str) -> bool:
    """Tell whether a host is a Fediverse server, whose user@host names are handles."""
    if host in FEDIVERSE_HOSTS:
        return True
    labels = host.split(".")
    return len(labels) > 2 and labels[0] in FEDIVERSE_FIRST_LABELS


def context_mark(before: str) -> int:
    """Return STRONG, WEAK or PLAIN for the text just before an address (see module doc)."""
    tail = before[-CONTEXT_TAIL_CHARS:]
    core = tail.rstrip(TRAILING_PUNCTUATION)
    raw = core.split()[-MAX_CONTEXT_WORDS:]
    if not raw:
        return PLAIN
    words = [word.strip(WORD_PUNCTUATION).lower() for word in raw]
    if _is_example(words, raw[-1], core, tail) or _is_identity(words, tail):
        return STRONG
    return WEAK if words[-2:] == ["such", "as"] else PLAIN


def _is_example(words: list[str], last_raw: str, core: str, tail: str) -> bool:
    """Tell whether the words just before an address introduce it as an example."""
    if words[-1] in EXAMPLE_WORDS or " ".join(words[-2:]) in EXAMPLE_PAIRS:
        return True
    if last_raw.lstrip("([\"'") in CASED_EXAMPLE_WORDS or core.endswith(CJK_EXAMPLE_WORDS):
        return True
    if tail.rstrip().endswith(CJK_EXAMPLE_LABELS):
        return True
    # A label: "Example:", "Beispiel-E-Mail:", "Example address:".
    labelled = tail[len(core):].lstrip(" \t").startswith((":", "："))
    return labelled and any(word.startswith(EXAMPLE_LABEL_STEMS) for word in words[-2:])


def _is_identity(words: list[str], tail: str) -> bool:
    """Tell whether the words just before an address show a login or a message identity."""
    last = words[-1]
    if last in FEDIVERSE_LABELS or last == "user.email":
        return True
    in_brackets = tail.rstrip().endswith("<")
    if in_brackets and last in HEADER_WORDS:
        return True
    recent = words[-6:]
    if any(word in TRAILER_WORDS for word in recent) and (in_brackets or last in TRAILER_WORDS):
        return True
    if in_brackets and any(word.startswith("--author") for word in recent):
        return True
    return _is_ssh_command(words)


def _is_ssh_command(words: list[str]) -> bool:
    """Tell whether the words end in an ssh-like command and its options (ssh -p 2222)."""
    index = len(words) - 1
    while index > 0 and (words[index].startswith("-") or words[index - 1].startswith("-")):
        index -= 1
    return words[index] in SSH_COMMANDS
