"""The labelled extraction corpus (see README.md) and its loader, shared by tests and bench."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
FAMILIES_DIR = CORPUS_DIR / "families"
HELDOUT_DIR = CORPUS_DIR / "heldout"
DEFAULT_CONTENT_TYPE = "text/html"


@dataclass(frozen=True)
class Case:
    """One labelled page: its bytes, where it is served from and the addresses it publishes."""

    family: str
    name: str
    body: bytes
    url: str
    emails: frozenset[str]
    optional: frozenset[str] = field(default_factory=frozenset)
    content_type: str = DEFAULT_CONTENT_TYPE

    @property
    def id(self) -> str:
        """Return family/name, the case's name in test ids and reports."""
        return f"{self.family}/{self.name}"


def load_corpus(root: Path) -> list[Case]:
    """Return the cases of a corpus: a flat labelled folder, or one folder per family."""
    if (root / "labels.json").exists():
        return _load_family(root, "all")
    return [case for folder in sorted(root.iterdir()) if (folder / "labels.json").exists()
            for case in _load_family(folder, folder.name)]


def _load_family(folder: Path, family: str) -> list[Case]:
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    optional_path = folder / "optional.json"
    shared_optional = (json.loads(optional_path.read_text(encoding="utf-8"))
                       if optional_path.exists() else {})
    cases = []
    for name, spec in sorted(labels.items()):
        spec = {"emails": spec} if isinstance(spec, list) else spec
        optional = set(spec.get("optional", [])) | set(shared_optional.get(name, {}))
        cases.append(Case(
            family=family, name=name, body=(folder / name).read_bytes(),
            url=spec.get("url", ""),
            emails=frozenset(email.lower() for email in spec["emails"]),
            optional=frozenset(email.lower() for email in optional),
            content_type=spec.get("content_type", DEFAULT_CONTENT_TYPE),
        ))
    return cases
