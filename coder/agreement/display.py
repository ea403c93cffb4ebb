"""The reliability report as people read it: titled wide tables, one row per frame, code or
pair, each statistic printed with its interval, and every missing value or interval said why.

Titles are true to the run (intervals only when there were resamples); a cell never shows
``nan``: a missing value reads "undefined" or "not scored", and the row's ``notes`` say why,
as do missing intervals (except when no resamples were asked for, which the title says).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from coder.agreement.report import Report
from coder.agreement.report_rows import NO_BOOTSTRAP

SHORT = {
    "prevalence": "prevalence",
    "percent_agreement": "agreement",
    "cohen_kappa": "kappa",
    "fleiss_kappa": "kappa",
    "krippendorff_alpha": "alpha",
    "gwet_ac1": "AC1",
    "alpha_masi": "alpha (MASI)",
    "alpha_jaccard": "alpha (Jaccard)",
    "pooled_alpha": "pooled alpha",
    "kappa_median": "kappa",
    "items_decided": "items",
    "codes_decided": "codes",
}
SHEETS = {
    "found": "Codings file",
    "headline": "Headline",
    "code": "Per code",
    "frame": "Per frame",
    "pair": "Coder by coder",
    "coverage": "Model coverage",
    "model": "Model as a coder",
}
"""The worksheet of each table in a workbook."""
KEYS = {
    "code": ["frame", "code"],
    "frame": ["frame"],
    "pair": ["coder_a", "coder_b", "frame"],
    "model": ["coder_b", "frame", "code"],
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value: float, decimals: int) -> str:
    """A number as text, negative with a minus sign (a leading hyphen would read as a formula
    in a spreadsheet, and be escaped)."""
    return f"{value:.{decimals}f}".replace("-", "\u2212")


def _cell(value: Any, low: Any, high: Any, note: str) -> str:
    """A statistic as printed: ``0.812 [0.71, 0.90]``, or why it is missing."""
    if _missing(value):
        for word in ("not scored", "undefined"):
            if str(note).startswith(word):
                return word
        return "undefined"
    text = _num(value, 3)
    if not _missing(low) and not _missing(high):
        text += f" [{_num(low, 2)}, {_num(high, 2)}]"
    return text


def _notes(block: pd.DataFrame) -> str:
    """The reasons behind a row's missing values and intervals, each once."""
    by_note: dict[str, list[str]] = {}
    for r in block.to_dict("records"):
        note = str(r["note"] or "")
        if note and note != NO_BOOTSTRAP:
            by_note.setdefault(note, []).append(SHORT.get(r["statistic"], r["statistic"]))
    every = {SHORT.get(s, s) for s in block["statistic"]}
    parts = []
    for note, names in by_note.items():
        names = list(dict.fromkeys(names))
        parts.append(
            note if set(names) >= every - {"prevalence"} else f"{', '.join(names)}: {note}"
        )
    return "; ".join(parts)


def _wide(t: pd.DataFrame, table: str) -> pd.DataFrame:
    keys = KEYS[table]
    block = t[t["table"] == table]
    rows = []
    for key, group in block.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, map(str, key), strict=True))
        row["items"] = int(group["items"].max())
        for r in group.to_dict("records"):
            if r["statistic"] == "prevalence":
                row["prevalence"] = "" if _missing(r["value"]) else _num(r["value"], 2)
            else:
                row[r["statistic"]] = _cell(r["value"], r["ci_low"], r["ci_high"], r["note"])
        row["notes"] = _notes(group)
        rows.append(row)
    df = pd.DataFrame(rows).fillna("")
    df = df[[c for c in df.columns if c != "notes"] + ["notes"]]
    if table == "model":
        df["code"] = df["code"].replace("", "(code sets)")
        df = df.rename(columns={"coder_b": "against"})
    return df


def _headline(t: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for frame, group in t[t["table"] == "headline"].groupby("frame", sort=False):
        stat = {r["statistic"]: r for r in group.to_dict("records")}
        pooled, median = stat["pooled_alpha"], stat["kappa_median"]
        low, high = stat["kappa_min"]["value"], stat["kappa_max"]["value"]
        rows.append(
            {
                "frame": frame,
                "items": int(pooled["items"]),
                "pooled alpha": _cell(
                    pooled["value"], pooled["ci_low"], pooled["ci_high"], pooled["note"]
                ),
                "kappa median": _cell(median["value"], None, None, median["note"]),
                "kappa range": "" if _missing(low) else f"{_num(low, 2)} to {_num(high, 2)}",
                "codes with a kappa": int(median["items"]),
                "notes": _notes(group[group["statistic"].isin(["pooled_alpha", "kappa_median"])]),
            }
        )
    return pd.DataFrame(rows)


def _coverage(t: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for frame, group in t[t["table"] == "coverage"].groupby("frame", sort=False):
        stat = {r["statistic"]: r for r in group.to_dict("records")}
        items, codes = stat["items_decided"], stat["codes_decided"]
        rows.append(
            {
                "frame": frame,
                "items decided": int(items["items"]),
                "share of items": _share(items["value"]),
                "codes decided": int(codes["items"]),
                "share of codes": _share(codes["value"]),
                "notes": "; ".join(
                    n for n in (str(items["note"] or ""), str(codes["note"] or "")) if n
                ),
            }
        )
    return pd.DataFrame(rows)


def _share(value: Any) -> str:
    return "undefined" if _missing(value) else f"{100 * value:.0f}%"


def wide_tables(report: Report) -> dict[str, pd.DataFrame]:
    """The report's tables for display, by kind: ``found`` (what a file held), ``headline``,
    ``code``, ``frame``, ``pair``, ``coverage``, ``model``; kinds without rows are left out."""
    t = report.table
    out: dict[str, pd.DataFrame] = {}
    if report.found is not None:
        out["found"] = report.found
    for table in ("headline", "code", "frame", "pair", "coverage", "model"):
        if t[t["table"] == table].empty:
            continue
        if table == "headline":
            out[table] = _headline(t)
        elif table == "coverage":
            out[table] = _coverage(t)
        else:
            out[table] = _wide(t, table)
    return out


def titles(report: Report) -> dict[str, str]:
    """The title of each table, true to the run (intervals only if resamples were made)."""
    ci = (
        f"95% bootstrap intervals in brackets, {report.n_boot} resamples of the items, seed "
        f"{report.seed}"
        if report.n_boot
        else "no intervals: no bootstrap resamples were asked for"
    )
    kappa = "Cohen's kappa" if len(report.coders) == 2 else "Fleiss' kappa"
    return {
        "found": "What the codings file holds (read before the statistics)",
        "headline": f"Headline: Krippendorff's alpha pooled over every code decision, and the "
        f"per-code {kappa} ({ci})",
        "code": f"Per code, applied or not ({ci})",
        "frame": f"Per frame: Krippendorff's alpha over whole code sets ({ci})",
        "pair": f"Coder by coder: set-level alpha per frame ({ci})",
        "coverage": "The model as a coder: what it decided (only that is scored)",
        "model": "The model as a coder: against each human and the human consensus, on the "
        f"items and codes it decided ({ci})",
    }


def report_parts(report: Report) -> dict[str, pd.DataFrame]:
    """The wide tables by title, in reading order."""
    names = titles(report)
    return {names[kind]: df for kind, df in wide_tables(report).items()}


def report_notes(report: Report) -> list[str]:
    """What a reader needs under the tables: who was compared, who coded alone, the model."""
    kappa = "Cohen's kappa" if len(report.coders) == 2 else "Fleiss' kappa"
    notes = [
        f"Coders compared: {', '.join(report.coders)} ({len(report.coders)} coders: the kappa "
        f"is {kappa})."
        if len(report.coders) >= 2
        else f"Human coder: {', '.join(report.coders) or 'none'}."
    ]
    single = ", ".join(f"{c}: {n}" for c, n in report.single_coded.items())
    notes.append(f"Items coded by one coder only (not in the statistics): {single or 'none'}")
    if report.model is not None:
        notes.append(f"The model ({report.model}): {report.model_source}.")
    return notes + report.notes
