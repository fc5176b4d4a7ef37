"""JSON request bodies with a nesting bound: a body nested deeper than any request needs is
refused as invalid JSON (400) instead of exhausting the parser's recursion (500)."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

# The deepest request the API takes is {"sites": [{"url": "…"}]}: three levels.
MAX_JSON_DEPTH = 32


class JSONTooDeepError(ValueError):
    """The JSON document nests more than MAX_JSON_DEPTH arrays and objects."""


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested more than MAX_JSON_DEPTH levels."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a document, raising ValueError (Flask's "not JSON") when it nests too deep."""
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as exc:
            raise JSONTooDeepError(f"nested more than {MAX_JSON_DEPTH} levels deep") from exc
        if nesting_depth(value) > MAX_JSON_DEPTH:
            raise JSONTooDeepError(f"nested more than {MAX_JSON_DEPTH} levels deep")
        return value


def nesting_depth(value: Any) -> int:
    """Return how many arrays and objects deep a parsed document goes (without recursion;
    stops counting past MAX_JSON_DEPTH)."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_JSON_DEPTH:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest
