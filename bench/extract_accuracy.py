"""Score the email extractor on labelled corpora: F1, precision and recall per family.

Usage: python bench/extract_accuracy.py [--corpus DIR ...] [--baseline-ref REF]
Without --corpus it scores the team's training families (tests/corpus/families), the
held-out set (tests/corpus/heldout) and the shared real pages (../shared/corpus/real)
when present. Each page is decoded with the scanner's own decoder and analysed with the
page's URL, as a scan would. With --baseline-ref, the same corpora are scored by the code
of that git revision too (exported to a temporary folder, run in a subprocess), and
analyse_html's time per page on the real corpus is printed for both, with
the ratio: the machine is noisy, so both are measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = (ROOT / "tests/corpus/families", ROOT / "tests/corpus/heldout",
                   ROOT.parent / "shared/corpus/real")
TIMING_ROUNDS = 5


def score(cases: list, analyse, decode) -> dict:
    """Return per-family counts {family: [tp, fp, fn]} and the per-page errors."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    errors = []
    for case in cases:
        try:
            html = decode(case.body, case.content_type)
        except LookupError:  # the scan of such a page failed before the fix
            html = ""
        host = urlsplit(case.url).hostname
        found = {f.email for f in analyse(html, case.url, host).findings} - case.optional
        expected = case.emails - case.optional
        missed, extra = expected - found, found - expected
        tally = counts[case.family]
        tally[0] += len(found & expected)
        tally[1] += len(extra)
        tally[2] += len(missed)
        if missed or extra:
            errors.append(f"{case.id}: missed={sorted(missed)} false_positives={sorted(extra)}")
    return {"counts": dict(counts), "errors": errors}


def time_per_page(cases: list, analyse, decode) -> float:
    """Return analyse_html's mean seconds per page over the cases, best of a few rounds."""
    pages = [(decode(c.body, c.content_type), c.url, urlsplit(c.url).hostname) for c in cases]
    best = float("inf")
    for _ in range(TIMING_ROUNDS):
        start = time.perf_counter()
        for html, url, host in pages:
            analyse(html, url, host)
        best = min(best, time.perf_counter() - start)
    return best / max(1, len(pages))


def measure(corpora: list[Path], timed: Path | None) -> dict:
    """Score every corpus (and time one) with the code importable as `scrapersky`."""
    from scrapersky.scraping.bodies import decode_body
    from scrapersky.scraping.emails import analyse_html
    from tests.corpus import load_corpus

    result = {"scores": {}, "seconds_per_page": None}
    for corpus in corpora:
        result["scores"][str(corpus)] = score(load_corpus(corpus), analyse_html, decode_body)
    if timed is not None:
        cases = load_corpus(timed)
        result["seconds_per_page"] = time_per_page(cases, analyse_html, decode_body)
    return result


def ratios(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Return (precision, recall, F1)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report(label: str, corpus: str, scored: dict, *, verbose: bool) -> None:
    """Print one corpus's errors, per-family lines and total line."""
    if verbose:
        for line in scored["errors"]:
            print(f"  {line}")
    total = [0, 0, 0]
    for family, (tp, fp, fn) in sorted(scored["counts"].items()):
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
        if len(scored["counts"]) > 1:
            print(f"  {label} {Path(corpus).name}/{family:<10} " + _figures(tp, fp, fn))
    print(f"{label} {Path(corpus).name} ALL " + _figures(*total))


def _figures(tp: int, fp: int, fn: int) -> str:
    precision, recall, f1 = ratios(tp, fp, fn)
    return (f"tp={tp} fp={fp} fn={fn} precision={precision:.3f} recall={recall:.3f} "
            f"f1={f1:.3f}")


def run_baseline(ref: str, corpora: list[Path], timed: Path | None) -> dict:
    """Measure the code of git revision ref in a subprocess; return its results."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "scrapersky"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        (Path(folder) / "tests").symlink_to(ROOT / "tests")
        command = [sys.executable, __file__, "--json", "--code", folder]
        command += [arg for corpus in corpora for arg in ("--corpus", str(corpus))]
        command += ["--timed", str(timed)] if timed else []
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main(argv: list[str] | None = None) -> int:
    """Score the corpora (and the baseline revision) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--baseline-ref", help="git revision to compare with")
    parser.add_argument("--timed", type=Path, help="corpus to time (default: the real one)")
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true", help="totals only, no page errors")
    args = parser.parse_args(argv)
    corpora = args.corpus or [path for path in DEFAULT_CORPORA if path.exists()]
    timed = args.timed or (corpora[-1] if corpora[-1].name == "real" else None)
    sys.path.insert(0, str(args.code))
    if args.json:
        print(json.dumps(measure(corpora, timed)))
        return 0
    baseline = run_baseline(args.baseline_ref, corpora, timed) if args.baseline_ref else None
    current = measure(corpora, timed)
    for corpus in map(str, corpora):
        if baseline:
            report("before", corpus, baseline["scores"][corpus], verbose=False)
        report("after " if baseline else "", corpus, current["scores"][corpus],
               verbose=not args.quiet)
    if timed:
        _print_timing(timed, current, baseline)
    return 0


def _print_timing(timed: Path, current: dict, baseline: dict | None) -> None:
    now = current["seconds_per_page"] * 1000
    line = f"analyse_html on {timed.name}: {now:.2f} ms/page"
    if baseline:
        before = baseline["seconds_per_page"] * 1000
        line += f" (before {before:.2f} ms/page, ratio {now / before:.2f}x; limit 1.25x)"
    print(line)


if __name__ == "__main__":
    raise SystemExit(main())
