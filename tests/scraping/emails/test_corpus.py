"""Every training case of the labelled corpus yields exactly the addresses a person would
write to (tests/corpus/families; the held-out set is scored by bench/extract_accuracy.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from scrapersky.scraping.bodies import decode_body
from scrapersky.scraping.emails import analyse_html
from tests.corpus import FAMILIES_DIR, Case, load_corpus

CASES = load_corpus(FAMILIES_DIR) if FAMILIES_DIR.exists() else []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_page_yields_exactly_its_published_addresses(case: Case) -> None:
    html = decode_body(case.body, case.content_type)
    analysis = analyse_html(html, case.url, urlsplit(case.url).hostname)
    found = {finding.email for finding in analysis.findings} - case.optional
    assert found == case.emails - case.optional
