"""A small, safe evaluator of the string expressions inline scripts build addresses with.

No JavaScript engine and nothing executed: ``jslex`` tokens are read in one pass, each
token once (a function body at most ``MAX_CALLS_PER_FUNCTION`` times, reruns within
``MAX_RERUN_TOKENS``), nesting at most ``MAX_DEPTH``, values capped at ``MAX_VALUE_CHARS``,
at most ``MAX_VARIABLES`` variables and an output budget linear in the script's size. What
it does not know becomes an unknown value (a space inside strings, so no address runs
across it); it never raises.

Covered: string, template (substitutions unknown) and number literals with every escape
(``\\x40``, ``\\u0040``, ``\\u{40}``, octal ``\\100``); ``+`` and ``+=``; variables and
properties assigned in the same script (``var a = 'info', b = 'acme.de'``); arrays with
``join``, ``reverse``, ``concat``, ``slice`` and indexing; the string methods ``split``,
``replace``/``replaceAll`` (a string or a literal regex), ``concat``, ``slice``,
``substring``, ``substr``, ``charAt``, ``toLowerCase``, ``toUpperCase``, ``trim``;
``String.fromCharCode``/``fromCodePoint`` (also ``.apply(null, codes)`` and ``...codes``)
with + - * / % on numbers; ``atob``; ``unescape``, ``decodeURIComponent``, ``decodeURI``;
``JSON.parse``; ROT13, as ``.replace(/[a-zA-Z]/g, function(c){...13...})`` or a call of a
function named rot13 or with that body; the table loop ``o += T.charAt(I.charCodeAt(j) - 48)``;
arrays of character codes in a script that calls ``fromCharCode``; function bodies, run
where they stand and again when called with arguments (``(function(u, d){...})('info',
'acme.de')``, ``function show(u, d){...}`` then ``show('info', 'acme.de')``).

Published: call arguments, assigned values, returned and stand-alone expression values
(``document.write``, ``innerHTML =``, ``href =`` all read as markup); object literals and
JSON where they sit only by the record rule (``records``), though a property that code
later writes out (``'mailto:' + c.email``) is read there; nothing assigned to or called
with a name that ``records.is_denied_key`` refuses; comments never. Methods:
``base64`` when ``atob`` decoded the text, ``reversed`` when an array was reversed, else
``script``.
"""

from __future__ import annotations

import re

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.jscalls import CallsMixin
from scrapersky.scraping.emails.jsexpr import ExpressionsMixin
from scrapersky.scraping.emails.jsfunctions import MAX_RERUN_TOKENS, FunctionsMixin, scan_functions
from scrapersky.scraping.emails.jslex import MAX_TOKENS, Tokens, tokenize
from scrapersky.scraping.emails.jsvalues import Function, Regex, cap, is_char_code_list
from scrapersky.scraping.emails.records import (
    add_published,
    display_strings,
    is_render_key,
    json_of,
    looks_like_json,
    may_hold_at,
    published_strings,
    strip_comments,
)

MAX_VARIABLES = 1024
MAX_PUBLISHED_TEXTS = 1000
MAX_SCRIPT_CHARS = 1_000_000
OUTPUT_FLOOR_CHARS = 65_536
# Marks that a script may make an '@' without writing one: decoders and encoded '@'.
DECODER_WORDS = ("fromC", "atob", "%40", "%u0040")
# fromCharCode with a small literal code first, or an array of small codes beside it (not
# the emoji test of WordPress or Cloudflare's decoder, which pass other numbers or variables).
CHAR_CODE_CALL_RE = re.compile(
    r"fromC(?:harCode|odePoint)(?:\s*\(\s*(?:\d{2,3}|0x[0-9a-fA-F]{2})\b|\.apply)"
)
CODE_ARRAY_RE = re.compile(r"\[\s*\d{2,3}\s*,\s*\d{2,3}\s*,\s*\d{2,3}\s*,\s*\d{2,3}\b")
ATOB_CALL_RE = re.compile(r"atob\s*\(")
JS_AT_ESCAPES = ("\\u0040", "\\x40", "\\100")
JS_BRACED_AT_RE = re.compile(r"\\u\{0*40\}")
ENTITY_AT_RE = re.compile(r"&(?:#0*64|#[xX]0*40|commat)")
# An '@' at a string literal's edge joined by '+' (either side), or a lone '@' literal.
AT_TAIL_RE = re.compile(r"@[\w.-]{0,253}['\"`]\s{0,8}\+")
AT_HEAD_RE = re.compile(r"\+\s{0,8}['\"`][\w.+'-]{0,64}@")
LONE_AT_LITERALS = ("'@'", '"@"', "`@`")
URL_USER_RE = re.compile(r"//[^\s'\"`<>/@]{0,80}\Z")
KEY_RE = re.compile(r"[\"'`]?([\w$-]{1,64})[\"'`]?\s*:\Z")
ADDRESS_SHAPE_RE = re.compile(r"[A-Za-z0-9-]{1,63}\.[A-Za-z]{2}")
LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")
MAX_AT_SIGNS = 2000


def may_hide_at(source: str) -> bool:
    """Tell whether evaluating a script can yield an '@' at all (a cheap superset test)."""
    if "@" in source or any(word in source for word in DECODER_WORDS):
        return True
    return has_encoded_at(source)


def has_encoded_at(source: str) -> bool:
    """Tell whether source writes '@' as a JavaScript escape or a character reference."""
    if "\\" in source and (
        any(escape in source for escape in JS_AT_ESCAPES)
        or ("\\u{" in source and JS_BRACED_AT_RE.search(source) is not None)
    ):
        return True
    return "&" in source and ("&#" in source or "&commat" in source) and (
        ENTITY_AT_RE.search(source) is not None
    )


def is_worth_evaluating(source: str) -> bool:
    """Tell whether a script may build an address (narrower than may_hide_at, see module)."""
    if "@" not in source:
        return has_decoder(source)
    if has_address_shape(source) or AT_TAIL_RE.search(source) or AT_HEAD_RE.search(source):
        return True
    if any(literal in source for literal in LONE_AT_LITERALS):
        return True
    return "reverse" in source or "charAt" in source or has_decoder(source)


def has_decoder(source: str) -> bool:
    """Tell whether a script calls a decoder on literal data or writes an encoded '@'."""
    if "fromC" in source and (CHAR_CODE_CALL_RE.search(source) or CODE_ARRAY_RE.search(source)):
        return True
    if ("atob" in source and ATOB_CALL_RE.search(source)) or "%40" in source or "%u0040" in source:
        return True
    return has_encoded_at(source)


def has_address_shape(source: str) -> bool:
    """Tell whether some '@' in source makes an address the evaluator could publish.

    An '@' between a local-part character and a host counts unless it is URL userinfo or
    a bare value of an object property (``"email": "x@acme.de"``, a record the evaluator
    would refuse anyway); anything unclear counts.
    """
    at = source.find("@", 1)
    for _ in range(MAX_AT_SIGNS):
        if at < 0:
            return False
        if source[at - 1] in LOCAL_CHARS and ADDRESS_SHAPE_RE.match(source, at + 1):
            if not URL_USER_RE.search(source, max(0, at - 82), at) and not _is_bare_record(
                source, at
            ):
                return True
        at = source.find("@", at + 1)
    return True


def _is_bare_record(source: str, at: int) -> bool:
    """Tell whether the '@' at is in a bare object-property value (no words, markup, link)."""
    start = max(source.rfind(quote, max(0, at - 400), at) for quote in "\"'`")
    if start < 0:
        return False
    quote = source[start]
    end = source.find(quote, at, at + 400)
    value = source[start + 1:end]
    if end < 0 or "\\" in value or "<" in value or " " in value or "mailto:" in value:
        return False
    before = source[max(0, start - 80):start].rstrip()
    if not before.endswith(":"):
        return False
    key = KEY_RE.search(before)
    return key is None or not is_render_key(key.group(1))


def collect_code(source: str, found: FindingCollector, max_tokens: int = MAX_TOKENS) -> int:
    """Record the addresses a script's code publishes; return the tokens it cost."""
    texts, cost = evaluate_counted(source[:MAX_SCRIPT_CHARS], max_tokens)
    for text, method in texts:
        add_published(found, [text], method)
    return cost


def evaluate(source: str) -> list[tuple[str, str]]:
    """Return (text, method) for every string a script publishes, by the module's rules."""
    return evaluate_counted(source, MAX_TOKENS)[0]


def evaluate_counted(source: str, max_tokens: int) -> tuple[list[tuple[str, str]], int]:
    """Return evaluate()'s result for at most max_tokens tokens, and the token count."""
    char_codes = "fromCharCode" in source or "fromCodePoint" in source
    tokens = tokenize(source, max(0, max_tokens))
    evaluator = Evaluator(tokens, 4 * len(source) + OUTPUT_FLOOR_CHARS, char_codes)
    evaluator.run(evaluator.size)
    return evaluator.out, max(1, evaluator.size)


class Evaluator(ExpressionsMixin, CallsMixin, FunctionsMixin):
    """Evaluate one script's tokens once, collecting the strings it publishes."""

    def __init__(self, tokens: Tokens, budget: int, char_codes: bool) -> None:
        self.kinds, self.values, self.partner = tokens
        self.size = len(self.kinds)
        self.pos = self.depth = 0
        self.env: dict[str, object] = {}
        self.hows: dict[str, str] = {}
        self.functions, self.rot13_names = scan_functions(tokens)
        self.budget, self.char_codes = budget, char_codes
        self.reruns = MAX_RERUN_TOKENS
        self.out: list[tuple[str, str]] = []
        self.how = "script"
        self.key: str | None = None  # the record key being read
        self.record = self.silent = False
        self.ref: str | None = None  # the dotted name the last postfix expression names

    def at(self, *punct: str) -> bool:
        """Tell whether the current token is one of the punctuators."""
        here = self.pos
        return here < self.size and self.kinds[here] == "P" and self.values[here] in punct

    def kind_at(self, position: int) -> str:
        """Return the kind of the token at position ('' past the end)."""
        return self.kinds[position] if position < self.size else ""

    def emit(self, value: object) -> None:
        """Publish a value's strings (records by the record rule); run a function left over."""
        if isinstance(value, Function):
            self.settle(value)
        elif self.silent or value is None or isinstance(value, bool | int | float | Regex):
            return
        elif isinstance(value, str):
            self.emit_text(value)
        elif isinstance(value, dict):
            self.publish_all(display_strings(value, self.key))
        elif isinstance(value, list):
            self.emit_list(value)

    def emit_list(self, items: list[object]) -> None:
        """Publish an array's strings; codes become text where the script calls fromCharCode."""
        if self.char_codes and is_char_code_list(items):
            self.publish("".join(chr(int(code)) for code in items))
        for item in items:
            if isinstance(item, str):
                self.emit_text(item)
            elif isinstance(item, dict | list):
                self.publish_all(display_strings(item, self.key))

    def emit_text(self, text: str) -> None:
        """Publish a string; in a record, or when it holds JSON, by the record rule."""
        if not may_hold_at(text):
            return
        if self.record:
            self.publish_all(published_strings(text, self.key))
            return
        data = json_of(text) if looks_like_json(text) else None
        if data is None:
            self.publish(text)
        else:
            self.publish_all(display_strings(data))

    def publish_all(self, texts) -> None:
        """Publish each text of an iterable."""
        for text in texts:
            self.publish(text)

    def publish(self, text: str) -> None:
        """Add a text to the output unless silent or over the output budget."""
        if self.silent or len(text) > self.budget or len(self.out) >= MAX_PUBLISHED_TEXTS:
            return
        self.budget -= len(text)
        self.out.append((strip_comments(text) if "/*" in text else text, self.how))

    def lookup(self, name: str) -> object:
        """Return a variable's value (or its declared function), noting how it was made."""
        how = self.hows.get(name)
        if how is not None and self.how == "script":
            self.how = how
        return self.env[name] if name in self.env else self.functions.get(name)

    def bind(self, name: str, value: object) -> None:
        """Assign a variable (strings capped, at most MAX_VARIABLES names)."""
        if name in self.env or len(self.env) < MAX_VARIABLES:
            self.env[name] = cap(value) if isinstance(value, str) else value
            self.hows[name] = self.how
