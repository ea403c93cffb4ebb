"""The workbook twin of the page: the summary as one table on the first sheet, then the
crosstabs, balance and profile (written by :func:`coder.tables.render.write_xlsx`) and a sheet
each for provenance, sensitivity, reliability, the model's quality and agreement, and quotes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from coder.data.store import Project
from coder.tables.report.formats import (
    NO_INTERVAL,
    ORIGIN_WORDS,
    SENSITIVITY_WORDS,
    STATUS_WORDS,
    UNDEFINED,
    as_float,
    interval_text,
    number,
    ordered_rules,
    rule_words,
    share,
    statistic,
)
from coder.tables.report.parts import ReportParts


def summary_table(parts: ReportParts, frames: Mapping[str, str]) -> pd.DataFrame:
    """The summary as one table (the workbook's first sheet): part, what, value, share, note."""
    rows: list[list[Any]] = []
    s, m = parts.summary, parts.model
    if s is not None:
        rows.append(["Ideas", "Codable ideas", s.codable, None, ""])
        coded = share(s.humans_any, s.codable)
        rows.append(["Ideas", "Coded by a human", s.humans_any, _round(coded), ""])
        for coder, n in s.coders:
            rows.append(["Who coded", coder, n, _round(share(n, s.codable)), ""])
        if m is not None:
            rows.append(["Who coded", "The model", m.coded, _round(share(m.coded, s.codable)), ""])
        alpha = "Agreement of the human coders (Krippendorff's alpha, MASI)"
        for label, v, lo, hi, n, note in s.alpha:
            interval = interval_text(v, lo, hi)
            said = f"95% interval {interval}" if interval and interval != NO_INTERVAL else interval
            value = UNDEFINED if v is None else round(v, 2)
            rows.append([alpha, label, value, None, f"{said}; {number(n)} ideas; {note}"])
        if s.alpha_note:
            rows.append([alpha, s.alpha_note, None, None, ""])
        for key, words in STATUS_WORDS.items():
            if key in s.statuses:
                rows.append(["Final codes", f"Ideas {words}", s.statuses[key], None, ""])
        total = sum(s.rules.values())
        for rule, n in ordered_rules(s.rules):
            rows.append(
                [
                    "Where the final codes came from",
                    rule_words(rule),
                    n,
                    _round(share(n, total)),
                    "",
                ]
            )
    if m is not None:
        rows.append(
            [
                "The model",
                "Routed to a human (abstained)",
                m.abstained,
                _round(share(m.abstained, m.suggested)),
                f"share of the {number(m.suggested)} ideas it made suggestions for",
            ]
        )
        for frame_id, macro in m.macro_f1.items():
            what = f"{frames.get(frame_id, frame_id)}: cross-validated macro-F1"
            rows.append(["The model", what, round(macro, 2), None, ""])
        for rec in [] if m.agreement is None else m.agreement.to_dict("records"):
            frame = frames.get(str(rec["frame"]), str(rec["frame"]))
            what = f"{frame}: out-of-fold micro-F1 with {rec['coder']}"
            note = (
                f"Cohen's kappa {statistic(as_float(rec['kappa']))}; {number(rec['ideas'])} ideas"
            )
            micro = as_float(rec["micro_f1"])
            rows.append(
                ["The model", what, UNDEFINED if micro is None else round(micro, 2), None, note]
            )
    columns = ["Part", "What", "Value", "Share (%)", "Note"]
    return pd.DataFrame(
        [[c.strip("; ") if isinstance(c, str) else c for c in r] for r in rows], columns=columns
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _round2(value: Any) -> float | str:
    v = as_float(value)
    return UNDEFINED if v is None else round(v, 2)


def write_workbook(project: Project, path: Path, parts: ReportParts) -> None:
    """Write the report as a workbook, the summary sheet first."""
    from coder.tables.render import write_xlsx

    frames = {f.id: f.label for f in project.codebook.frames}
    extra: dict[str, pd.DataFrame] = {"Summary": summary_table(parts, frames)}
    if parts.provenance is not None:
        extra["Provenance"] = parts.provenance.rename(
            columns={"question": "Question", "row": "Row", "column": "Column", **ORIGIN_WORDS}
        )
    if parts.sensitivity is not None:
        extra["Sensitivity"] = parts.sensitivity.rename(columns=SENSITIVITY_WORDS)
    for name, df in parts.reliability.items():
        extra[f"Reliability {name}"] = df
    m = parts.model
    if m is not None and m.quality is not None and not m.quality.empty:
        q = m.quality.assign(frame=m.quality["frame"].map(lambda f: frames.get(f, f))).round(2)
        extra["Model quality"] = q.rename(
            columns={
                "frame": "Frame",
                "code": "Code",
                "examples": "Training examples",
                "trained": "Trained",
                "precision": "Precision",
                "recall": "Recall",
                "f1": "F1",
            }
        )
    if m is not None and m.agreement is not None and not m.agreement.empty:
        a = m.agreement.assign(frame=m.agreement["frame"].map(lambda f: frames.get(f, f)))
        a = a.assign(micro_f1=a["micro_f1"].map(_round2), kappa=a["kappa"].map(_round2))
        extra["Model agreement"] = a.rename(
            columns={
                "frame": "Frame",
                "coder": "Human coder",
                "ideas": "Ideas",
                "micro_f1": "Micro-F1",
                "kappa": "Cohen's kappa",
                "note": "Note",
            }
        )
    quotes = [
        {"Question": q, "Row": r, "Column": c, "Net votes": v, "Quote": t}
        for (q, r, c), items in sorted(parts.quotes.items())
        for t, v in items
    ]
    if quotes:
        extra["Quotes"] = pd.DataFrame(quotes)
        if not parts.tables.votes:  # survey answers: no votes to show
            extra["Quotes"] = extra["Quotes"].drop(columns="Net votes")
    write_xlsx(
        project,
        path,
        tables=parts.tables,
        balance=parts.balance,
        profile=parts.profile,
        extra=extra,
    )
    _move_to_front(path, "Summary")


def _move_to_front(path: Path, sheet: str) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    ws = book[sheet]
    book.move_sheet(ws, offset=-book.index(ws))
    book.active = 0
    book.save(path)
