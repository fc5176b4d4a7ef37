"""Decoy tokens a person removes from an address: NOSPAM, REMOVETHIS, .invalid, "remove the X".

The rule, applied to each finding with the text it was found in (its context). A token is a
decoy when
- it is a well-known anti-spam token (nospam, no-spam, antispam, spamfree, removethis,
  removeme, deletethis, nojunk; ``invalid`` as a whole domain label) written in capitals
  inside an address otherwise in lower case (jane.NOSPAM@acme.de), or one whose removal
  gives another address found on the same page; or
- a removal instruction next to the address ("remove", "entfernen", "supprimez",
  "elimine", "rimuovere", "verwijder", ...) names it, outside the address itself: in
  capitals ("remove the X"), quoted, as a piece (".invalid", "_nospam") or as a
  well-known token in any case ("supprimez nospam").

A decoy goes with one separator (. _ - +) and the finding becomes the address a person
writes to, merged with that address if the page has it too; if no valid address is left
(no-one@exampleREMOVEME.com), the finding is dropped: the decoy is never reported. A token
that is a whole local part (nospam@acme.de) is somebody's address, and a lower-case token
nobody names (jane.nospam@acme.de, antispam-team@...) may be real: both stay. Only a
finding whose address holds a token's stem, or whose context holds an instruction's stem,
costs more than a few substring tests.
"""

from __future__ import annotations

import re

from scrapersky.scraping.emails.classify import classify_email
from scrapersky.scraping.emails.model import METHOD_RANK, Finding
from scrapersky.scraping.emails.scan import scan_text

DECOY_WORDS = (
    r"no[-_.]?spam(?:please)?|anti[-_.]?spam|spam[-_.]?free|(?:remove|delete)[-_.]?(?:this|me)"
    r"|no[-_.]?junk"
)
DECOY_RE = re.compile(rf"(?i:{DECOY_WORDS})|(?<=[.@])(?i:invalid)(?=\.)")
DECOY_HINTS = ("spam", "remove", "delete", "junk", "invalid")
INSTRUCTION_STEMS = (
    "remov", "delet", "strip", "omit", "take out", "leave out", "entfern", "lösch", "streich",
    "weglass", "weg lass", "suppr", "enlev", "enlèv", "retir", "ôte", "elimin", "quita",
    "borr", "suprim", "rimuov", "togli", "tolga", "cancella", "verwijder", "weghal", "weglat",
    "remova", "apag", "usuń", "usun",
)
INSTRUCTION_RE = re.compile(
    r"(?i)\b(?:remove|removing|delete|strip|omit|take out|leave out|entfernen|entferne|entfernt"
    r"|löschen|lösche|streichen|streiche|weglassen|weg lassen|supprimez|supprimer|supprime"
    r"|enlevez|enlever|enlève|retirez|retirer|retire|ôtez|ôter|elimine|eliminar|elimina"
    r"|eliminate|eliminare|quitar|quita|borre|borrar|suprima|suprimir|rimuovere|rimuovi"
    r"|rimuova|togliere|togli|tolga|cancella|cancellare|verwijder|verwijderen|weghalen"
    r"|weglaten|remova|remover|apague|apagar|usuń|usun)\b"
)
QUOTES = "\"'„“”«»‘’‚‹›`"
NAMED_TOKEN_RE = re.compile(
    rf"[{QUOTES}]([^\s{QUOTES}]{{1,24}})[{QUOTES}]"  # quoted
    rf"|(?<![\w@.'-])((?i:{DECOY_WORDS}|invalid))(?![\w@'-])"  # a well-known token
    r"|(?<![\w@.'-])([A-Z][A-Z0-9]{0,23})(?![\w@'-])"  # in capitals
    r"|(?<!\S)([._-][A-Za-z0-9][\w.-]{0,23})"  # a piece: .invalid, _nospam
)
SEPARATORS = "._-+"
CLAUSE_CHARS = 60


def drop_decoys(findings: list[Finding], site_host: str | None) -> list[Finding]:
    """Return the findings with decoy tokens cut from their addresses (see module docstring)."""
    if not any(_may_hold_decoy(finding) for finding in findings):
        return findings
    page_emails = {finding.email for finding in findings}
    kept: dict[str, Finding] = {}
    for finding in findings:
        email = clean_address(finding.email, finding.context, page_emails)
        if email is None:
            continue
        if email != finding.email:
            finding = Finding(
                email, finding.method, finding.context, classify_email(email, site_host)
            )
        best = kept.get(email)
        if best is None or METHOD_RANK[finding.method] < METHOD_RANK[best.method]:
            kept[email] = finding
    return list(kept.values())


def _may_hold_decoy(finding: Finding) -> bool:
    """Tell cheaply whether a finding may hold a decoy token or stand by an instruction."""
    return any(hint in finding.email for hint in DECOY_HINTS) or _has_instruction_stem(
        finding.context
    )


def _has_instruction_stem(context: str) -> bool:
    lowered = context.lower()
    return any(stem in lowered for stem in INSTRUCTION_STEMS)


def clean_address(email: str, context: str, page_emails: set[str]) -> str | None:
    """Return email without its decoy tokens; None if it had one and nothing valid is left."""
    raw, at = _as_written(email, context)
    spans = [
        match.span() for match in DECOY_RE.finditer(raw)
        if _is_plain_decoy(raw, match.start(), match.end(), page_emails)
    ]
    if not spans and _has_instruction_stem(context):
        rest = context[:at] + " " * len(raw) + context[at + len(raw):] if at >= 0 else context
        spans = _named_spans(raw, rest)
    if not spans:
        return email
    for start, end in sorted(spans, reverse=True):
        raw = _cut(raw, start, end)
    found = next(scan_text(raw), None)
    return found[0] if found and found[1] == 0 else None


def _as_written(email: str, context: str) -> tuple[str, int]:
    """Return the address as the context spells it (capitals kept) and where; else email."""
    at = context.lower().find(email)
    return (context[at:at + len(email)], at) if at >= 0 else (email, -1)


def _is_whole_local(raw: str, start: int, end: int) -> bool:
    return (start == 0 or raw[start - 1] == "@") and raw[end:end + 1] in ("", "@")


def _is_plain_decoy(raw: str, start: int, end: int, page_emails: set[str]) -> bool:
    """Tell whether a well-known token is a decoy without an instruction naming it."""
    if _is_whole_local(raw, start, end):
        return False  # nospam@acme.de is somebody's address
    token, rest = raw[start:end], raw[:start] + raw[end:]
    if token.isupper() and any(char.islower() for char in rest):
        return True
    return _cut(raw, start, end).lower() in page_emails


def _named_spans(raw: str, context: str) -> list[tuple[int, int]]:
    """Return where in raw the first token an instruction in context names occurs (once)."""
    instruction = INSTRUCTION_RE.search(context)
    if instruction is None:
        return []
    low, high = max(0, instruction.start() - CLAUSE_CHARS), instruction.end() + CLAUSE_CHARS
    for match in NAMED_TOKEN_RE.finditer(context, low, high):
        token = next(group for group in match.groups() if group)
        haystack = raw.lower() if match.group(2) else raw  # a well-known token in any case
        at = haystack.find(token.lower() if match.group(2) else token)
        end = at + len(token)
        if at < 0 or haystack.find(haystack[at:end], at + 1) >= 0 or _is_whole_local(
            raw, at, end
        ):
            continue
        if raw[at - 1:at].isalpha() or not raw[end:end + 1].islower():
            return [(at, end)]  # but not the capital that starts a name (Xavier@)
    return []


def _cut(raw: str, start: int, end: int) -> str:
    """Return raw without raw[start:end] and one separator beside it."""
    left, right = raw[:start], raw[end:]
    left_sep = left[-1] if left and left[-1] in SEPARATORS else ""
    right_sep = right[0] if right and right[0] in SEPARATORS else ""
    left, right = left[:len(left) - len(left_sep)], right[len(right_sep):]
    between_words = left[-1:].isalnum() and right[:1].isalnum()
    return left + ((left_sep or right_sep) if between_words else "") + right
