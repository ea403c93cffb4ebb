"""The chart: net votes per code and question as horizontal bars in inline SVG (no script and
no image file), with a title, a description and text labels for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coder.tables.crosstab import TOTAL, Crosstabs
from coder.tables.report.formats import esc, number
from coder.tables.report.page import Page


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: a code's net votes in one question's table."""

    question: str
    frame: str
    code: str
    value: int


def chart_bars(tables: Crosstabs) -> list[Bar]:
    """Net votes per code per question, from the tables' totals (codes of every frame); none
    without votes."""
    if not tables.votes:
        return []
    t = tables.table
    bars = []
    for question in dict.fromkeys(t["question"]):
        q = t[t["question"] == question]
        if not q["column_frame"].iloc[0]:
            for r in q[q["row"] != TOTAL].to_dict("records"):
                bars.append(Bar(question, r["row_frame"], r["row"], int(r["net_votes"])))
            continue
        for r in q[(q["row"] != TOTAL) & (q["column"] == TOTAL)].to_dict("records"):
            bars.append(Bar(question, r["row_frame"], r["row"], int(r["net_votes"])))
        for r in q[(q["row"] == TOTAL) & (q["column"] != TOTAL)].to_dict("records"):
            bars.append(Bar(question, r["column_frame"], r["column"], int(r["net_votes"])))
    return bars


def _clip(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def svg_chart(bars: Sequence[Bar], question_labels: Mapping[str, str], title: str) -> str:
    """Horizontal bars of net votes, negative values to the left of the zero line.

    Inline SVG with a ``<title>``, a ``<desc>`` and text labels, so screen readers and people
    who print the page get the numbers too; every bar also has its own ``<title>``.
    """
    width, label_w, pad, row_h, head_h = 760, 230, 64, 20, 30
    left, right = label_w + pad, width - pad
    values = [b.value for b in bars]
    low, high = min([0, *values]), max([0, *values])
    span = (high - low) or 1

    def x(v: float) -> float:
        return left + (v - low) / span * (right - left)

    zero = x(0)
    body: list[str] = []
    y = 0
    group: tuple[str, str] | None = None
    for b in bars:
        if group is None or group[0] != b.question:
            y += 8 if group is not None else 0
            body.append(
                f'<text class="q" x="0" y="{y + 18}">'
                f"{esc(question_labels.get(b.question, b.question))}</text>"
            )
            y += head_h - 6
        if group != (b.question, b.frame):
            body.append(f'<text class="f" x="8" y="{y + 14}">{esc(b.frame)}</text>')
            y += row_h
            group = (b.question, b.frame)
        end = x(b.value)
        bx, bw = min(zero, end), abs(end - zero)
        sign = "neg" if b.value < 0 else "pos"
        said = f"{question_labels.get(b.question, b.question)}, {b.frame}: {b.code}"
        body.append(
            f'<rect class="bar {sign}" data-question="{esc(b.question)}" '
            f'data-frame="{esc(b.frame)}" data-code="{esc(b.code)}" data-value="{b.value}" '
            f'x="{bx:.1f}" y="{y + 4}" width="{bw:.1f}" height="{row_h - 7}">'
            f"<title>{esc(said)}: {esc(number(b.value))} net votes</title></rect>"
        )
        body.append(
            f'<text x="{label_w - 4}" y="{y + 14}" text-anchor="end">{esc(_clip(b.code))}</text>'
        )
        if b.value < 0:
            body.append(
                f'<text x="{bx - 4:.1f}" y="{y + 14}" text-anchor="end">'
                f"{esc(number(b.value))}</text>"
            )
        else:
            body.append(f'<text x="{bx + bw + 4:.1f}" y="{y + 14}">{esc(number(b.value))}</text>')
        y += row_h
    height = y + 10
    axis = f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}"/>'
    desc = (
        "Horizontal bars, one per code and question: net votes (upvotes minus downvotes) of "
        "the ideas coded to the code; bars left of the zero line are negative."
    )
    return (
        f'<svg role="img" aria-labelledby="chart-title chart-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f'<title id="chart-title">{esc(title)}</title><desc id="chart-desc">{esc(desc)}</desc>'
        + axis
        + "".join(body)
        + "</svg>"
    )


def chart_html(page: Page, tables: Crosstabs, question_labels: Mapping[str, str]) -> None:
    """The chart section; nothing when the tables have no bars."""
    bars = chart_bars(tables)
    if not bars:
        return
    page.section("chart", "Net votes by code")
    page.add(
        "<figure>"
        + svg_chart(bars, question_labels, "Net votes per code, by question")
        + "<figcaption class=note>Net votes (upvotes minus downvotes) per code: the "
        "totals of each question's table, where an idea coded to several codes counts in "
        "each.</figcaption></figure>"
    )
