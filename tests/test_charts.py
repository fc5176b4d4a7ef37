"""Server-side SVG charts: well-formed XML, one bar per hour or type, heights in
proportion to the counts, every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from scrapersky.charts import Bar, Segment, addresses_by_type_chart, bar_chart, jobs_per_hour_chart
from scrapersky.reports import HourCount

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def heights(root: ET.Element, segment: str) -> list[float]:
    return [float(rect.get("height")) for rect in root.iter(f"{SVG}rect")
            if rect.get("class") == f"segment {segment}"]


def last_24_hours() -> list[HourCount]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [HourCount(start + timedelta(hours=h), complete=h % 5, failed=h % 3)
            for h in range(24)]


def test_jobs_per_hour_has_one_bar_per_hour_with_proportional_heights():
    hours = last_24_hours()
    root = parse(jobs_per_hour_chart(hours))
    assert len(bars(root)) == 24
    complete, failed = heights(root, "complete"), heights(root, "failed")
    assert len(complete) == len(failed) == 24
    totals = [h.complete + h.failed for h in hours]
    top = totals.index(max(totals))
    unit = (complete[top] + failed[top]) / totals[top]
    assert unit > 0
    for hour, done, fail in zip(hours, complete, failed, strict=True):
        assert done == pytest.approx(hour.complete * unit, abs=0.01)
        assert fail == pytest.approx(hour.failed * unit, abs=0.01)
    assert complete[0] == failed[0] == 0  # an empty hour still has its (empty) bar


def test_jobs_per_hour_says_what_it_shows():
    root = parse(jobs_per_hour_chart(last_24_hours()))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Jobs finished per hour, last 24 hours"
    tooltips = [g.find(f"{SVG}title").text for g in bars(root)]
    assert tooltips[7] == "2026-01-01 07:00 UTC: 2 complete, 1 failed"


def test_addresses_by_type_has_one_bar_per_type():
    counts = {"corporate": 10, "service": 5, "free": 0, "other": 2}
    root = parse(addresses_by_type_chart(counts))
    assert [g.get("data-label") for g in bars(root)] == list(counts)
    rects = {rect.get("class").split()[1]: float(rect.get("height"))
             for rect in root.iter(f"{SVG}rect")}
    assert rects["service"] == pytest.approx(rects["corporate"] / 2, abs=0.01)
    assert rects["other"] == pytest.approx(rects["corporate"] / 5, abs=0.01)
    assert rects["free"] == 0
    assert "10" in [text.text for text in root.iter(f"{SVG}text")]


def test_no_data_draws_empty_bars_without_dividing_by_zero():
    root = parse(addresses_by_type_chart({"corporate": 0, "service": 0}))
    assert [float(rect.get("height")) for rect in root.iter(f"{SVG}rect")] == [0, 0]


def test_text_is_escaped():
    evil = '<script>alert(1)</script> & "quotes"'
    svg = bar_chart([Bar(evil, evil, (Segment('x" onload="alert(2)', 3, '"red'),))],
                    title=evil, description=evil, chart_id='c"1')
    root = parse(svg)
    assert "<script>" not in svg and 'onload="' not in svg
    assert root.find(f"{SVG}title").text == evil
    assert bars(root)[0].get("data-label") == evil
    assert not any(element.tag == f"{SVG}script" for element in root.iter())


def test_charts_use_no_style_attributes():
    svg = jobs_per_hour_chart(last_24_hours()) + addresses_by_type_chart({"free": 1})
    assert "style=" not in svg
    assert 'fill="#16a34a"' in svg
