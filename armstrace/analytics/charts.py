"""Charts as SVG, drawn on the server with matplotlib from a table's own numbers.

Thread-safe: figures are matplotlib `Figure` objects drawn by the SVG canvas directly;
pyplot and its global figure registry are never imported. The settings below are fixed
once at import: text stays text in the SVG (smaller, selectable, drawn by the browser in
any script, Arabic and Chinese included), and ids and metadata are fixed so that the same
numbers give the same file.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from armstrace.analytics.tables import SHARE, Table

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "armstrace"
MAX_BARS = 15
BAR = "#1f5f8b"


def _label(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart_svg(table: Table) -> bytes:
    """Horizontal bars: the table's chart column against its first column (the first
    MAX_BARS rows, in the table's order)."""
    assert table.chart is not None
    column = table.columns[table.chart]
    rows = table.rows[:MAX_BARS]
    labels = [_label(row[0]) for row in rows]
    values = [float(row[table.chart] or 0) for row in rows]
    if column.kind == SHARE:
        values = [100 * v for v in values]
    figure = Figure(figsize=(7.5, 1.2 + 0.4 * max(1, len(rows))))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    axes.barh(positions, values, color=BAR)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(f"{column.label} (%)" if column.kind == SHARE else column.label)
    axes.set_title(table.title, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if column.kind != SHARE:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()
