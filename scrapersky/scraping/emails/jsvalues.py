"""Values of the string evaluator and the built-ins it knows, as pure functions.

A value is a ``str``, a number, a ``bool``, a ``list`` (a JavaScript array), a ``dict``
(decoded JSON), a ``Regex`` literal, a ``Function`` or ``None`` (unknown). Every result is
capped at ``MAX_VALUE_CHARS``; nothing here raises on odd input.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple
from urllib.parse import unquote

from scrapersky.scraping.emails.jslex import HOLE_MARK

MAX_VALUE_CHARS = 8192
MAX_ITEMS = 4096
MAX_NESTING = 8
UNKNOWN = object()  # a method or function the evaluator does not know
REGEX_META = frozenset(".^$*+?()[]{}|")
REGEX_ESCAPED_RE = re.compile(r"\\(.)")
LETTER_CLASSES = frozenset({"[a-zA-Z]", "[A-Za-z]"})
CASELESS_LETTER_CLASSES = frozenset({"[a-z]", "[A-Z]"})
JS_UNESCAPE_RE = re.compile(r"%u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})")
ROT13 = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm",
)


class Regex(NamedTuple):
    """A regex literal: its body and flags."""

    body: str
    flags: str


class Function:
    """A function value: its parameters and the token range of its body."""

    __slots__ = ("params", "start", "end", "braced", "runs")

    def __init__(self, params: tuple[str, ...], start: int, end: int, braced: bool) -> None:
        self.params, self.start, self.end, self.braced = params, start, end, braced
        self.runs = 0 if braced else 1  # an expression body was evaluated where it stood


def to_text(value: object, depth: int = 0) -> str:
    """Return the string JavaScript makes of a value; an unknown value is a HOLE_MARK."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list) and depth < MAX_NESTING:
        return join_items(",", value, depth + 1)
    return HOLE_MARK


def join_items(separator: str, items: list[object], depth: int = 0) -> str:
    """Return items joined as Array.prototype.join does, stopping at MAX_VALUE_CHARS."""
    pieces, size = [], 0
    for item in items[:MAX_ITEMS]:
        piece = to_text(item, depth)
        size += len(piece) + len(separator)
        if size > MAX_VALUE_CHARS:
            break
        pieces.append(piece)
    return separator.join(pieces)


def is_number(value: object) -> bool:
    """Tell whether a value is a number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def arithmetic(operator: str, left: object, right: object) -> object:
    """Return left <operator> right for numbers (+ - * / %); None otherwise."""
    if not (is_number(left) and is_number(right)):
        return None
    try:
        if operator == "+":
            return left + right
        if operator == "-":
            return left - right
        if operator == "*":
            return left * right if abs(left) < 1e12 and abs(right) < 1e12 else None
        result = left / right if operator == "/" else left % right
    except ZeroDivisionError:
        return None
    return int(result) if isinstance(result, float) and result.is_integer() else result


def index(value: object, key: object) -> object:
    """Return value[key] for a string or array and a whole-number key; None otherwise."""
    if isinstance(value, str | list) and is_number(key) and float(key).is_integer():
        position = int(key)
        return value[position] if 0 <= position < len(value) else None
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key)
    return None


def property_of(value: object, name: str) -> object:
    """Return a known property (length, or a key of decoded JSON); None otherwise."""
    if name == "length" and isinstance(value, str | list):
        return len(value)
    return value.get(name) if isinstance(value, dict) else None


def call_method(value: object, name: str, args: list[object]) -> object:
    """Return value.name(*args) for the string and array methods covered, else UNKNOWN."""
    if isinstance(value, str):
        return _string_method(value, name, args)
    if isinstance(value, list):
        return _array_method(value, name, args)
    return UNKNOWN


def _string_method(text: str, name: str, args: list[object]) -> object:
    first = args[0] if args else None
    if name == "split":
        if first == "":
            return list(text[:MAX_ITEMS])
        return text.split(first)[:MAX_ITEMS] if isinstance(first, str) else None
    if name in ("replace", "replaceAll") and len(args) >= 2:
        return replace(text, first, args[1], everywhere=name == "replaceAll")
    if name == "concat":
        return cap("".join([text, *(to_text(arg) for arg in args)]))
    if name in ("toLowerCase", "toLocaleLowerCase"):
        return text.lower()
    if name in ("toUpperCase", "toLocaleUpperCase"):
        return text.upper()
    if name in ("trim", "toString", "valueOf", "normalize"):
        return text.strip() if name == "trim" else text
    if name == "charAt":
        return index(text, first if args else 0) or ""
    if name in ("slice", "substring", "substr"):
        return _substring(text, name, args)
    return UNKNOWN


def _array_method(items: list[object], name: str, args: list[object]) -> object:
    first = args[0] if args else None
    if name == "join":
        return join_items("," if first is None else to_text(first), items)
    if name == "reverse":
        return items[::-1]
    if name == "concat":
        joined = list(items)
        for arg in args:
            joined.extend(arg if isinstance(arg, list) else [arg])
        return joined[:MAX_ITEMS]
    if name in ("slice", "toString"):
        return to_text(items) if name == "toString" else _substring(items, name, args)
    return UNKNOWN


def _substring(value: str | list, name: str, args: list[object]) -> object:
    """Return slice/substring/substr of a string or array for whole-number arguments."""
    numbers = [int(arg) for arg in args[:2] if is_number(arg) and float(arg).is_integer()]
    if len(numbers) != len(args[:2]):
        return None
    start = numbers[0] if numbers else 0
    if name == "substr":
        length = numbers[1] if len(numbers) > 1 else len(value)
        start = max(0, len(value) + start) if start < 0 else start
        return value[start:start + max(0, length)]
    end = numbers[1] if len(numbers) > 1 else len(value)
    if name == "substring":
        start, end = sorted((max(0, start), max(0, end)))
    return value[start:end]


def replace(text: str, pattern: object, replacement: object, everywhere: bool) -> object:
    """Return text.replace(pattern, replacement) for a string or literal-regex pattern."""
    if not isinstance(replacement, str):
        return None
    if isinstance(pattern, str):
        return cap(text.replace(pattern, replacement, -1 if everywhere else 1))
    literal = regex_literal(pattern) if isinstance(pattern, Regex) else None
    if literal is None or not literal:
        return None
    count = 0 if everywhere or "g" in pattern.flags else 1
    flags = re.IGNORECASE if "i" in pattern.flags else 0
    return cap(re.sub(re.escape(literal), lambda _: replacement, text, count=count, flags=flags))


def regex_literal(regex: Regex) -> str | None:
    """Return the plain text a regex body matches when it has no metacharacters, else None."""
    plain = REGEX_ESCAPED_RE.sub("", regex.body)
    if any(char in REGEX_META for char in plain):
        return None
    if re.search(r"\\[a-zA-Z0-9]", regex.body):
        return None  # \s, \d, \w, \b, back-references: a class, not a character
    return REGEX_ESCAPED_RE.sub(r"\1", regex.body)


def is_letter_class(regex: object) -> bool:
    """Tell whether a regex literal matches exactly the ASCII letters (the ROT13 idiom)."""
    if not isinstance(regex, Regex):
        return False
    return regex.body in LETTER_CLASSES or (
        regex.body in CASELESS_LETTER_CLASSES and "i" in regex.flags
    )


def rot13(value: object) -> object:
    """Return ROT13 of a string (ASCII letters rotated by 13, all else kept)."""
    return value.translate(ROT13) if isinstance(value, str) else None


def from_char_codes(args: list[object]) -> str:
    """Return String.fromCharCode(*args); lists are spread, non-codes become a HOLE_MARK."""
    chars = []
    for arg in args[:MAX_ITEMS]:
        for code in (arg if isinstance(arg, list) else [arg])[:MAX_ITEMS]:
            valid = is_number(code) and float(code).is_integer() and 0 <= code <= 0x10FFFF
            chars.append(chr(int(code)) if valid else HOLE_MARK)
    return cap("".join(chars))


def is_char_code_list(value: object) -> bool:
    """Tell whether a value is an array of five or more printable character codes."""
    return isinstance(value, list) and len(value) >= 5 and all(
        is_number(code) and float(code).is_integer() and 32 <= code <= 0x2FFFF
        for code in value[:MAX_ITEMS]
    )


def atob(value: object) -> object:
    """Return the Latin-1 text of base64 data (either alphabet, padding optional)."""
    if not isinstance(value, str):
        return None
    data = "".join(value.split())[:MAX_VALUE_CHARS].rstrip("=")
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_", validate=False)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("latin-1")


def js_unescape(value: object) -> object:
    """Return JavaScript's unescape(): %XX as Latin-1 and %uXXXX as UTF-16 code units."""
    if not isinstance(value, str):
        return None
    return JS_UNESCAPE_RE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), value)


def decode_uri(value: object) -> object:
    """Return decodeURIComponent() of a string (UTF-8, bad sequences replaced)."""
    return unquote(value, errors="replace") if isinstance(value, str) else None


def cap(text: str) -> str:
    """Return text cut to MAX_VALUE_CHARS."""
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS]
