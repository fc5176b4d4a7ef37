"""Score the email extractor against a labelled folder of pages: precision, recall, F1.

Usage: python bench/extract_accuracy.py --corpus DIR
DIR holds HTML pages, labels.json ({file: [emails]}) and optionally optional.json
({file: {email: reason}}) listing debatable addresses that scoring ignores on both sides.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapersky.scraping.emails import extract_emails  # noqa: E402


def load_json(path: Path) -> dict:
    """Return the JSON object in path, or {} when the file is missing."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def score_page(html: str, expected: set[str], ignored: set[str]) -> tuple[set[str], set[str], int]:
    """Return (missed, false positives, true positives) for one page."""
    found = {finding.email for finding in extract_emails(html)} - ignored
    expected = expected - ignored
    return expected - found, found - expected, len(found & expected)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print per-page errors and a summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args(argv)
    labels = load_json(args.corpus / "labels.json")
    optional = load_json(args.corpus / "optional.json")
    true_pos = false_pos = false_neg = 0
    for name in sorted(labels):
        html = (args.corpus / name).read_text(encoding="utf-8", errors="replace")
        ignored = {email.lower() for email in optional.get(name, {})}
        expected = {email.lower() for email in labels[name]}
        missed, extra, hits = score_page(html, expected, ignored)
        true_pos += hits
        false_pos += len(extra)
        false_neg += len(missed)
        if missed or extra:
            print(f"{name}: missed={sorted(missed)} false_positives={sorted(extra)}")
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(
        f"pages={len(labels)} expected={true_pos + false_neg} tp={true_pos} fp={false_pos} "
        f"fn={false_neg} precision={precision:.3f} recall={recall:.3f} f1={f1:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
