"""JavaScript lexing for the string evaluator: tokens, string escapes, JSON in one step.

Linear and bounded: one anchored regex match per token (comments and whitespace skipped
whole), at most ``MAX_TOKENS`` tokens; regex literals have bounded length. A ``{`` or ``[``
where an expression starts is first offered to the C JSON decoder, so a state blob
(``window.__STATE__ = {...}``) becomes one ``J`` token instead of thousands; a failed
attempt is not retried before the point where it failed, so the decoder reads each
character at most twice. Kinds: ``S`` string (escapes decoded), ``N`` number, ``I``
identifier, ``P`` punctuator, ``R`` regex literal (body, flags), ``J`` decoded JSON.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from scrapersky.scraping.emails.records import may_publish_json

MAX_TOKENS = 50_000
MIN_BLOB_CHARS = 2000  # a decoded object this big is pre-checked before it is walked
MAX_JSON_FAILURES = 32  # each failed attempt costs the decoder's error message, O(position)
# JSON starts with '{"' or '{}', and '[' with a value; '{a:' and '[i]' are code.
JSON_OPENING_RE = re.compile(r"\{\s*[\"}]|\[\s*[\"\d\[{\]tfn-]")
TOKEN_RE = re.compile(
    r"(?P<skip>\s+|<!--[^\n]*|-->|<!\[CDATA\[|\]\]>|//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/|\Z))"
    r"|(?P<str>'(?:[^'\\\n]|\\[\s\S])*'|\"(?:[^\"\\\n]|\\[\s\S])*\")"
    r"|(?P<tpl>`(?:[^`\\$]|\\[\s\S]|\$\{[^{}`]{0,200}\}|\$(?!\{))*`)"
    r"|(?P<num>0[xX][0-9a-fA-F]{1,16}|\d{1,20}(?:\.\d{0,20})?(?:[eE][+-]?\d{1,3})?|\.\d{1,20})"
    r"|(?P<id>(?:[^\W\d]|\$)[\w$]{0,200})"
    r"|(?P<op>\.\.\.|===|!==|==|!=|=>|<=|>=|\+=|-=|&&|\|\||\?\?|\+\+|--|[-+*/%=<>!&|^~?:;,.()\[\]{}])"
)
REGEX_RE = re.compile(r"/((?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.){0,64}\]){1,160})/([a-z]{0,8})")
TEMPLATE_HOLE_RE = re.compile(r"\$\{[^{}`]{0,200}\}")
JS_ESCAPE_RE = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|([0-7]{1,3})|(\r\n|[\s\S]))"
)
SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
# After these a '/' starts a regex literal and a '{' or '[' may start a JSON value.
VALUE_ENDS = frozenset({")", "]", "}", "++", "--"})
JSON_STARTS = frozenset({None, "=", "(", ",", ":", "[", "return", ";"})
HOLE_MARK = " "  # stands for an unknown piece: no address runs across it
DECODER = json.JSONDecoder(strict=False)


class Tokens(NamedTuple):
    """A script's tokens: kinds, values and, for each bracket, the index of its partner."""

    kinds: list[str]
    values: list[object]
    partner: list[int]


def tokenize(source: str, max_tokens: int = MAX_TOKENS) -> Tokens:
    """Return the tokens of JavaScript source (at most max_tokens), brackets matched."""
    kinds: list[str] = []
    values: list[object] = []
    pos, size, json_after, json_failures = 0, len(source), -1, 0
    while pos < size and len(kinds) < max_tokens:
        match = TOKEN_RE.match(source, pos)
        if match is None:
            pos += 1
            continue
        group, pos = match.lastgroup, match.end()
        if group == "skip":
            continue
        text = match.group()
        retry = pos > json_after and json_failures < MAX_JSON_FAILURES
        if group == "op" and text in "{[" and retry:
            if _previous(kinds, values) in JSON_STARTS and JSON_OPENING_RE.match(source, pos - 1):
                decoded, end = _decode_json(source, pos - 1)
                if end > 0:
                    kinds.append("J")
                    values.append(_checked_blob(source, pos - 1, end, decoded))
                    pos = end
                    continue
                json_after, json_failures = -end, json_failures + 1
        if group == "op" and text == "/" and _starts_value(kinds, values):
            regex = REGEX_RE.match(source, pos - 1)
            if regex is not None:
                kinds.append("R")
                values.append((regex.group(1), regex.group(2)))
                pos = regex.end()
                continue
        kinds.append(_KINDS[group])
        values.append(_token_value(group, text))
    return Tokens(kinds, values, match_brackets(kinds, values))


def _checked_blob(source: str, start: int, end: int, decoded: object) -> object:
    """Return a decoded JSON value, or {} for a big object the record rule cannot publish."""
    if isinstance(decoded, dict) and end - start > MIN_BLOB_CHARS:
        return decoded if may_publish_json(source[start:end]) else {}
    return decoded


_KINDS = {"str": "S", "tpl": "S", "num": "N", "id": "I", "op": "P"}


def _previous(kinds: list[str], values: list[object]) -> object:
    """Return the previous punctuator or keyword that decides what '{' means, else a marker."""
    if not kinds:
        return None
    kind, value = kinds[-1], values[-1]
    return value if kind == "P" or (kind == "I" and value == "return") else "value"


def _starts_value(kinds: list[str], values: list[object]) -> bool:
    """Tell whether a '/' here starts a regex literal (no value ends just before it)."""
    if not kinds:
        return True
    kind, value = kinds[-1], values[-1]
    if kind == "P":
        return value not in VALUE_ENDS
    return kind == "I" and value in ("return", "typeof", "case", "in", "of", "void")


def _decode_json(source: str, start: int) -> tuple[object, int]:
    """Return (value, end) of the JSON value at start, or (None, -failure position)."""
    try:
        return DECODER.raw_decode(source, start)
    except json.JSONDecodeError as error:
        return None, -max(error.pos, start + 1)
    except (ValueError, RecursionError):
        return None, -len(source)


def _token_value(group: str | None, text: str) -> object:
    if group == "str":
        body = text[1:-1]
        return unescape_js(body) if "\\" in body else body
    if group == "tpl":
        body = TEMPLATE_HOLE_RE.sub(HOLE_MARK, text[1:-1])
        return unescape_js(body) if "\\" in body else body
    if group == "num":
        return _number(text)
    return text


def _number(text: str) -> int | float:
    if text[:2] in ("0x", "0X"):
        return int(text, 16)
    try:
        return int(text)
    except ValueError:
        return float(text)


def unescape_js(body: str) -> str:
    """Decode the escapes of a JavaScript string literal's body."""
    return JS_ESCAPE_RE.sub(_escape_char, body)


def _escape_char(match: re.Match[str]) -> str:
    hex_code = match.group(1) or match.group(2) or match.group(3)
    if hex_code:
        code = int(hex_code, 16)
        return chr(code) if code <= 0x10FFFF else ""
    if match.group(4):
        return chr(int(match.group(4), 8)) if match.group(4) != "0" else "\0"
    other = match.group(5)
    return "" if other in ("\n", "\r\n", "\r") else SIMPLE_ESCAPES.get(other, other)


def match_brackets(kinds: list[str], values: list[object]) -> list[int]:
    """Return, for each bracket token, its partner's index (len(kinds) when unmatched)."""
    size = len(kinds)
    partner = [size] * size
    stack: list[int] = []
    for index, (kind, value) in enumerate(zip(kinds, values, strict=True)):
        if kind != "P":
            continue
        if value in ("(", "[", "{"):
            stack.append(index)
        elif value in (")", "]", "}") and stack:
            opener = stack.pop()
            partner[opener], partner[index] = index, opener
    return partner
