"""Charts drawn on the server as SVG (pygal): no JavaScript, served as images whose own policy
allows the chart's inline styles; the page prints the same numbers as a table beside each."""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Any

from app.registration.dashboard import Chart

# Colours with enough contrast on white, told apart by more than hue in the table beside.
STYLE = dict(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2937",
    foreground_strong="#111827",
    foreground_subtle="#4b5563",
    colors=("#0b3d91", "#b45309", "#047857", "#7c3aed", "#be123c"),
    font_family="'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=16,
)
KINDS = {"line": "Line", "bar": "Bar", "stacked_hbar": "HorizontalStackedBar"}
# The SVG's own policy: its inline styles, nothing else (no script, nothing fetched).
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@cache
def _pygal() -> Any:
    """pygal, imported on first use: only the dashboard draws, so no other process (the mail
    worker, most web workers) carries it."""
    import pygal

    # pygal adds a sys.meta_path hook for its map plugins that has only the old finder API (no
    # find_spec): import machinery that walks meta_path then fails. No map is used: drop it.
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def render_svg(chart: Chart) -> bytes:
    pygal = _pygal()
    drawing = getattr(pygal, KINDS[chart.kind])(
        style=pygal.style.Style(**STYLE),
        js=(),  # no script: the numbers are in the table beside
        width=800,
        height=max(320, 40 * len(chart.labels) + 120) if chart.kind == "stacked_hbar" else 400,
        title=chart.title,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        x_label_rotation=30 if chart.kind != "stacked_hbar" and len(chart.labels) > 8 else 0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(chart.labels) // 12),
        truncate_label=40,
        print_values=False,
        no_data_text="—",
        min_scale=1,
    )
    drawing.x_labels = chart.labels
    for series in chart.series:
        drawing.add(series.name, series.values)
    # pygal always writes its tooltip config as a <script>; an image never runs it, drop it.
    return _SCRIPT.sub(b"", drawing.render())
