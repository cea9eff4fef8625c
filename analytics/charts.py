"""The dashboard's charts as geometry for server-rendered SVG. Pure: numbers in, shapes out.

Horizontal lengths are percentages of the chart's width and vertical ones pixels, so an SVG drawn
from them fills any width without scaling its text (a phone reads the same 13 px labels as a
desktop). Two measures share each chart: an outer bar (failures) and an inner one (recoveries,
never more than the failures they came from), told apart by fill pattern as well as colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

BAR_ROW = 58  # the label, the numbers, then the bar
BAR_HEIGHT = 14
PLOT_TOP = 18  # room for the top gridline's label
PLOT_HEIGHT = 180
AXIS_HEIGHT = 22
MAX_X_LABELS = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class BarItem:
    label: str
    value: int
    inner: int = 0
    text: str  # the numbers, written beside the bar


@dataclass(frozen=True, kw_only=True, slots=True)
class Bar:
    label: str
    text: str
    label_y: int
    text_y: int
    bar_y: int
    width: float
    inner_width: float


@dataclass(frozen=True, kw_only=True, slots=True)
class BarChart:
    bars: list[Bar]
    height: int
    bar_height: int = BAR_HEIGHT


def _percent(value: int, top: int) -> float:
    return round(100 * value / top, 3) if top else 0.0


def bar_chart(items: Sequence[BarItem]) -> BarChart:
    """One row per item, its label and numbers above its bar; the longest bar spans the width."""
    top = max((max(item.value, item.inner) for item in items), default=0)
    bars = [
        Bar(
            label=item.label,
            text=item.text,
            label_y=index * BAR_ROW + 14,
            text_y=index * BAR_ROW + 31,
            bar_y=index * BAR_ROW + 37,
            # A non-zero value keeps a sliver, so "a little" never reads as "none".
            width=max(_percent(item.value, top), 0.5 if item.value else 0.0),
            inner_width=max(_percent(item.inner, top), 0.5 if item.inner else 0.0),
        )
        for index, item in enumerate(items)
    ]
    return BarChart(bars=bars, height=len(bars) * BAR_ROW)


@dataclass(frozen=True, kw_only=True, slots=True)
class ColumnItem:
    period_start: date
    value: int
    inner: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class Column:
    period_start: date
    x: float
    width: float
    y: float
    height: float
    inner_y: float
    inner_height: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Gridline:
    y: float
    label_y: float
    label: str


@dataclass(frozen=True, kw_only=True, slots=True)
class AxisLabel:
    x: float
    label: str
    anchor: str  # SVG text-anchor


@dataclass(frozen=True, kw_only=True, slots=True)
class ColumnChart:
    columns: list[Column]
    gridlines: list[Gridline]
    axis_labels: list[AxisLabel]
    height: int
    axis_y: int
    baseline: int


def nice_step(top: float, *, lines: int = 4) -> float:
    """A step of 1, 2 or 5 times a power of ten such that `lines` steps reach `top` (1 for nothing)."""
    if top <= 0:
        return 1.0
    raw = top / lines
    power = 10 ** math.floor(math.log10(raw))
    return float(next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw))


def column_chart(
    items: Sequence[ColumnItem],
    *,
    unit: int,
    tick_label: Callable[[int], str],
    period_label: Callable[[date], str],
) -> ColumnChart:
    """Columns in time order over gridlines at round values; `unit` is what one "1" on the axis is
    worth in the items' values (e.g. 100 minor units in a rupee), so gridlines fall on whole units."""
    top = max((max(item.value, item.inner) for item in items), default=0)
    step = nice_step(top / unit) * unit
    lines = max(1, math.ceil(top / step)) if top else 1
    scale_top = step * lines
    baseline = PLOT_TOP + PLOT_HEIGHT

    def y_of(value: float) -> float:
        return round(baseline - PLOT_HEIGHT * value / scale_top, 2)

    slot = 100 / len(items) if items else 100.0
    columns = [
        Column(
            period_start=item.period_start,
            x=round(index * slot + slot * 0.12, 3),
            width=round(slot * 0.76, 3),
            y=y_of(item.value),
            height=round(baseline - y_of(item.value), 2),
            inner_y=y_of(item.inner),
            inner_height=round(baseline - y_of(item.inner), 2),
        )
        for index, item in enumerate(items)
    ]
    gridlines = [
        Gridline(y=y_of(step * line), label_y=y_of(step * line) - 4, label=tick_label(round(step * line)))
        for line in range(lines + 1)
    ]
    count = len(items)
    picks = sorted({round(i * (count - 1) / (MAX_X_LABELS - 1)) for i in range(MAX_X_LABELS)}) if count > 1 else [0]
    axis_labels = [
        AxisLabel(
            x=round(index * slot + slot / 2, 3) if 0 < index < count - 1 else (0.0 if index == 0 else 100.0),
            label=period_label(items[index].period_start),
            anchor="middle" if 0 < index < count - 1 else ("start" if index == 0 else "end"),
        )
        for index in picks
        if count
    ]
    return ColumnChart(
        columns=columns,
        gridlines=gridlines,
        axis_labels=axis_labels,
        height=baseline + AXIS_HEIGHT,
        axis_y=baseline + 16,
        baseline=baseline,
    )
