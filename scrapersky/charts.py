"""Server-side SVG charts: pure functions, data in and an escaped SVG string out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from scrapersky.reports import HourCount

WIDTH = 640
TYPES_WIDTH = 400
HEIGHT = 220
MARGIN_TOP = 22
MARGIN_BOTTOM = 40
MARGIN_SIDE = 12
BAR_GAP_RATIO = 0.25
MAX_BAR_WIDTH = 72
COLOURS = {
    "complete": "#16a34a",
    "failed": "#dc2626",
    "corporate": "#2563eb",
    "service": "#7c3aed",
    "free": "#d97706",
    "other": "#64748b",
}
FALLBACK_COLOUR = "#94a3b8"


@dataclass(frozen=True)
class Segment:
    """One part of a bar: a named value drawn in one colour."""

    name: str
    value: int
    fill: str


@dataclass(frozen=True)
class Bar:
    """One bar: an axis label, a tooltip and its stacked segments."""

    label: str
    tooltip: str
    segments: tuple[Segment, ...]
    show_label: bool = True

    @property
    def total(self) -> int:
        """Return the sum of the bar's segments."""
        return sum(segment.value for segment in self.segments)


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bar_svg(bar: Bar, x: float, width: float, scale: float, show_total: bool
             ) -> list[str]:
    """Return the markup of one bar: a group with its tooltip, segments and labels."""
    baseline = HEIGHT - MARGIN_BOTTOM
    parts = [f'<g class="bar" data-label="{_attr(bar.label)}" data-total="{bar.total}">',
             f"<title>{escape(bar.tooltip)}</title>"]
    top = baseline
    for segment in bar.segments:
        height = segment.value * scale
        top -= height
        parts.append(f'<rect class="segment {_attr(segment.name)}" data-value="{segment.value}" '
                     f'x="{_num(x)}" y="{_num(top)}" width="{_num(width)}" '
                     f'height="{_num(height)}" rx="2" fill="{_attr(segment.fill)}"/>')
    centre = _num(x + width / 2)
    if show_total and bar.total:
        parts.append(f'<text x="{centre}" y="{_num(top - 5)}" text-anchor="middle" '
                     f'font-size="12" fill="#1d2430">{bar.total}</text>')
    if bar.show_label:
        parts.append(f'<text x="{centre}" y="{baseline + 16}" text-anchor="middle" '
                     f'font-size="11" fill="#6b7280">{escape(bar.label)}</text>')
    parts.append("</g>")
    return parts


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, chart_id: str,
              show_totals: bool = False, width: int = WIDTH) -> str:
    """Return an SVG bar chart (bars stacked from their segments), heights proportional
    to the values, with a title and description for screen readers."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    scale = plot_height / max([bar.total for bar in bars] + [1])
    slot = (width - 2 * MARGIN_SIDE) / max(len(bars), 1)
    bar_width = min(slot * (1 - BAR_GAP_RATIO), MAX_BAR_WIDTH)
    ident = _attr(chart_id)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" '
             f'viewBox="0 0 {width} {HEIGHT}" role="img" '
             f'aria-labelledby="{ident}-title {ident}-desc">',
             f'<title id="{ident}-title">{escape(title)}</title>',
             f'<desc id="{ident}-desc">{escape(description)}</desc>',
             f'<line x1="{MARGIN_SIDE}" y1="{HEIGHT - MARGIN_BOTTOM}" '
             f'x2="{width - MARGIN_SIDE}" y2="{HEIGHT - MARGIN_BOTTOM}" stroke="#cbd5e1"/>']
    for index, bar in enumerate(bars):
        x = MARGIN_SIDE + index * slot + (slot - bar_width) / 2
        parts.extend(_bar_svg(bar, x, bar_width, scale, show_totals))
    parts.append("</svg>")
    return "".join(parts)


def jobs_per_hour_chart(hours: Sequence[HourCount], chart_id: str = "chart-jobs-per-hour"
                        ) -> str:
    """Return the chart of jobs completed and failed per hour (UTC), one bar per hour."""
    bars = [
        Bar(label=f"{bucket.hour:%H}h",
            tooltip=f"{bucket.hour:%Y-%m-%d %H:00} UTC: {bucket.complete} complete, "
                    f"{bucket.failed} failed",
            segments=(Segment("complete", bucket.complete, COLOURS["complete"]),
                      Segment("failed", bucket.failed, COLOURS["failed"])),
            show_label=index % 3 == 0)
        for index, bucket in enumerate(hours)
    ]
    done = sum(bucket.complete for bucket in hours)
    failed = sum(bucket.failed for bucket in hours)
    return bar_chart(bars, title=f"Jobs finished per hour, last {len(hours)} hours",
                     description=f"{done} complete (green) and {failed} failed (red).",
                     chart_id=chart_id)


def addresses_by_type_chart(counts: Mapping[str, int], chart_id: str = "chart-address-types"
                            ) -> str:
    """Return the chart of known addresses by type, one bar per type."""
    bars = [
        Bar(label=email_type, tooltip=f"{email_type}: {count} addresses",
            segments=(Segment(email_type, count, COLOURS.get(email_type, FALLBACK_COLOUR)),))
        for email_type, count in counts.items()
    ]
    summary = ", ".join(f"{email_type} {count}" for email_type, count in counts.items())
    return bar_chart(bars, title="Addresses found by type",
                     description=summary or "No addresses yet.", chart_id=chart_id,
                     show_totals=True, width=TYPES_WIDTH)
