"""Hydration data: the JSON a server-rendered page hands its framework, read by the record rule.

Hydration data is what the page renders (Next.js ``__NEXT_DATA__``, Nuxt 3
``__NUXT_DATA__``, SvelteKit's fetched data, Angular's ``ng-state``, any ``<script
type="application/json">``), but it also carries records the page never shows (authors',
customers' and vendors' addresses), so ``records`` decides: display text only, nothing
under an account, author, package or delivery key. Nuxt 3 writes its data flat (devalue:
objects map keys to indexes), so each string is read under the key that points at it.
Next.js app-router pages stream React Server Component rows through
``self.__next_f.push([1, "..."])`` scripts: the page's chunks are joined and each row read,
JSON rows (React elements: ``children``, ``href``) by the record rule and text rows
(``id:T<hex byte length>,text``) as display text. Nuxt 2's ``window.__NUXT__ =
(function(a, b){...}(...))`` and ``window.__INITIAL_STATE__ = {...}`` are scripts, read
by the string evaluator with the same rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from scrapersky.scraping.emails.collector import FindingCollector
from scrapersky.scraping.emails.records import (
    add_published,
    display_strings,
    is_denied_key,
    json_of,
    may_hold_at,
    may_publish_json,
    published_strings,
)

FLIGHT_PUSH_RE = re.compile(r"__next_f\.push\(\[\s*1\s*,\s*(\"(?:[^\"\\\n]|\\.)*\")\s*\]\)")
ROW_RE = re.compile(r"([0-9a-fA-F]{1,8}):(?:T([0-9a-fA-F]{1,8}),|[A-Z]{0,3})")
DEVALUE_WRAPPERS = frozenset({
    "Reactive", "ShallowReactive", "Ref", "ShallowRef", "EmptyRef", "EmptyShallowRef",
    "Set", "Map", "NuxtError",
})
MAX_FLIGHT_CHARS = 5_000_000
MAX_DEVALUE_ITEMS = 200_000


def is_flight(source: str) -> bool:
    """Tell whether a script is a Next.js flight push (read with the page's other chunks)."""
    head = source[:80].lstrip()
    return head.startswith("self.__next_f") or head.startswith("(self.__next_f")


def collect_json_data(source: str, element_id: str | None, found: FindingCollector) -> None:
    """Record the published addresses of a JSON data island (hydration or other state)."""
    if not may_hold_at(source) or not may_publish_json(source):
        return
    data = json_of(source.strip())
    if data is None:
        return
    devalue = isinstance(data, list) and (element_id == "__NUXT_DATA__" or is_devalue(data))
    add_published(found, devalue_strings(data) if devalue else display_strings(data), "script")


def is_devalue(data: list) -> bool:
    """Tell whether a JSON array is devalue's flat form (a wrapper tag in its first slot)."""
    first = data[0] if data else None
    return isinstance(first, list) and bool(first) and first[0] in DEVALUE_WRAPPERS


def devalue_strings(data: list) -> Iterator[str]:
    """Yield the published strings of devalue data, each read under the key pointing at it."""
    data = data[:MAX_DEVALUE_ITEMS]
    keys: dict[int, str] = {}
    denied: set[int] = set()
    for position, node in enumerate(data):
        if isinstance(node, dict):
            targets = [(str(name), target) for name, target in node.items()]
        elif isinstance(node, list) and position in keys:  # an array's items share its key
            targets = [(keys[position], target) for target in node]
        else:
            continue
        for name, target in targets:
            if isinstance(target, int) and not isinstance(target, bool):
                keys.setdefault(target, name)
                if position in denied or is_denied_key(name):
                    denied.add(target)
    for position, node in enumerate(data):
        if isinstance(node, str) and position not in denied and may_hold_at(node):
            yield from published_strings(node, keys.get(position))


def collect_flight(sources: list[str], found: FindingCollector) -> None:
    """Record the published addresses of a page's Next.js flight chunks, joined."""
    chunks = []
    for source in sources:
        for match in FLIGHT_PUSH_RE.finditer(source):
            try:
                chunks.append(json.loads(match.group(1)))
            except (ValueError, RecursionError):
                continue
    payload = "".join(chunk for chunk in chunks if isinstance(chunk, str))[:MAX_FLIGHT_CHARS]
    if may_hold_at(payload):
        add_published(found, flight_strings(payload), "script")


def flight_strings(payload: str) -> Iterator[str]:
    """Yield the published strings of flight rows: JSON by the record rule, text rows whole."""
    position, size = 0, len(payload)
    while position < size:
        line_end = payload.find("\n", position)
        line_end = size if line_end < 0 else line_end
        match = ROW_RE.match(payload, position)
        if match is not None and match.group(2):
            start, length = match.end(), int(match.group(2), 16)
            text = payload[start:start + length].encode("utf-8")[:length].decode("utf-8", "ignore")
            if may_hold_at(text):
                yield text
            position = start + max(1, len(text))
            continue
        row = payload[match.end():line_end] if match is not None else ""
        if may_hold_at(row):
            data = json_of(row)
            yield from display_strings(data) if data is not None else ()
        position = line_end + 1
