"""Calls and concatenation of the string evaluator (a mixin of its Evaluator).

Built-ins are known by name (``atob``, ``unescape``, ``String.fromCharCode``, ...); a call
of anything else publishes its arguments (``document.write``, ``$(el).html``,
``setAttribute``) unless its name is refused by ``records.is_denied_key``.
"""

from __future__ import annotations

from scrapersky.scraping.emails.jsfunctions import is_rot13_body
from scrapersky.scraping.emails.jslex import HOLE_MARK
from scrapersky.scraping.emails.jsvalues import (
    MAX_VALUE_CHARS,
    UNKNOWN,
    Function,
    atob,
    call_method,
    cap,
    decode_uri,
    from_char_codes,
    is_letter_class,
    js_unescape,
    property_of,
    rot13,
    to_text,
)
from scrapersky.scraping.emails.records import is_denied_key, json_of

DECODERS = {
    "atob": atob, "unescape": js_unescape, "decodeURIComponent": decode_uri,
    "decodeURI": decode_uri,
}
GLOBAL_NAMES = {
    prefix + name: name for name in DECODERS for prefix in ("", "window.", "self.", "globalThis.")
}
CHAR_CODE_CALLS = frozenset({"String.fromCharCode", "String.fromCodePoint"})
CHAR_CODE_APPLIES = frozenset({"String.fromCharCode.apply", "String.fromCodePoint.apply"})


class CallsMixin:
    """Member access, calls and concatenation for the Evaluator."""

    def member(self, value: object, ref: str | None) -> tuple[object, str | None]:
        """Evaluate `.name` or `.name(...)` on a value; return it and its dotted name."""
        name = self.values[self.pos + 1]
        self.pos += 2
        qualified = f"{ref}.{name}" if ref else None
        if self.at("("):
            return self.method_call(value, name, qualified), None
        if qualified and qualified in self.env:
            return self.lookup(qualified), qualified
        return property_of(value, name), qualified

    def call(self, value: object, ref: str | None) -> object:
        """Evaluate f(...): a built-in, ROT13, a function's body, or publish the arguments."""
        args = self.arguments()
        name = ref.rsplit(".", 1)[-1] if ref else None
        result = self.known_call(ref, name, args)
        if result is not UNKNOWN:
            return result
        if isinstance(value, Function):
            self.invoke(value, args)
        else:
            self.publish_arguments(ref, args)
        return None

    def known_call(self, ref: str | None, name: str | None, args: list[object]) -> object:
        """Return the result of a built-in or ROT13 call, or UNKNOWN."""
        first = args[0] if args else None
        if ref in GLOBAL_NAMES:
            if name == "atob":
                self.mark("base64")
            return DECODERS[GLOBAL_NAMES[ref]](first)
        if ref in CHAR_CODE_CALLS or ref in CHAR_CODE_APPLIES:
            return from_char_codes(args if ref in CHAR_CODE_CALLS else args[1:2])
        if ref == "JSON.parse":
            return json_of(first) if isinstance(first, str) else None
        if name and (name in self.rot13_names or "rot13" in name.lower()):
            return rot13(first)
        if ref == "String":
            return to_text(first) if args else ""
        return UNKNOWN

    def method_call(self, value: object, name: str, qualified: str | None) -> object:
        """Evaluate value.name(...): idioms, built-ins, string and array methods."""
        if name == "charAt" and isinstance(value, str):
            decoded = self.char_table(value)
            if decoded is not UNKNOWN:
                return decoded
        args = self.arguments()
        if qualified and value is None:
            result = self.known_call(qualified, name, args)
            if result is not UNKNOWN:
                return result
        if name == "replace" and len(args) > 1 and is_letter_class(args[0]):
            return rot13(value) if self.is_rot13_callback(args[1]) else None
        if isinstance(value, Function) and name in ("call", "apply"):
            extra = args[1] if name == "apply" and len(args) > 1 else args[1:]
            self.invoke(value, extra if isinstance(extra, list) else [])
            return None
        result = call_method(value, name, args)
        if result is UNKNOWN:
            self.publish_arguments(qualified or name, args)
            return None
        if name == "reverse":
            self.mark("reversed")
        return result

    def char_table(self, table: str) -> object:
        """Decode `T.charAt(I.charCodeAt(j) - N)` at once: each code of I, less N, indexes T."""
        position, values = self.pos, self.values
        if self.kind_at(position + 1) != "I" or values[position + 2:position + 5] != [
            ".", "charCodeAt", "(",
        ]:
            return UNKNOWN
        close = self.partner[position + 4]
        if values[close + 1:close + 2] != ["-"] or self.kind_at(close + 2) != "N":
            return UNKNOWN
        indices, offset = self.lookup(values[position + 1]), values[close + 2]
        if not isinstance(indices, str) or not isinstance(offset, int):
            return UNKNOWN
        decoded = "".join(
            table[ord(char) - offset] if 0 <= ord(char) - offset < len(table) else HOLE_MARK
            for char in indices[:MAX_VALUE_CHARS]
        )
        self.emit(decode_uri(decoded) if "%" in decoded else decoded)
        self.pos = self.partner[position] + 1
        return None

    def is_rot13_callback(self, callback: object) -> bool:
        """Tell whether a replace() callback is the ROT13 idiom."""
        return isinstance(callback, Function) and is_rot13_body(self.values, callback)

    def arguments(self) -> list[object]:
        """Parse a parenthesised argument list (the current token is its '(')."""
        end = self.partner[self.pos]
        self.pos += 1
        args = self.items(end)
        self.pos = end + 1
        return args

    def publish_arguments(self, ref: str | None, args: list[object]) -> None:
        """Publish an unknown call's arguments (only run function bodies for refused names)."""
        refused = bool(ref) and is_denied_key(ref)
        for arg in args:
            if not refused or isinstance(arg, Function):
                self.emit(arg)

    def concat(self, parts: list[object]) -> object:
        """Join concatenated values as JavaScript would (unknown parts become a space)."""
        if all(part is None for part in parts):
            return None
        text = "".join(to_text(part) for part in parts)
        if len(text) > MAX_VALUE_CHARS:
            self.emit_text(text)  # a long literal's own text is still read, once
            return cap(text)
        return text

    def mark(self, how: str) -> None:
        """Note how the current expression's text was made (the first decoding wins)."""
        if self.how == "script":
            self.how = how
