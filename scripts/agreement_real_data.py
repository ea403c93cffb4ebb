"""Agreement statistics on real, human-coded data that this project did not write.

1. ``exam_proctoring_two_coders`` (Balash et al., "Educators' Perspectives of Using (or Not Using)
   Online Exam Proctoring", USENIX Security 2023; data from the authors' replication repository):
   two coders, multi-label codes per question. For each question the script recomputes the
   authors' own statistic, 1 - (1 - p_a) / (1 - p_c) over code-usage proportions, and checks it
   against what their script printed (``reference_irr_values_from_authors_script.txt``); beside
   it, the standard statistics from :mod:`coder.agreement`: set-level Krippendorff's alpha (MASI)
   and the mean per-code Cohen's kappa, Krippendorff's alpha and Gwet's AC1.
2. ``convabuse_multi_annotator`` (Cercas Curry, Abercrombie and Rieser, "ConvAbuse", EMNLP 2021,
   CC BY 4.0): 2-7 of 8 annotators per message; Krippendorff's alpha for the 5-level abuse
   severity at the nominal, ordinal and interval levels, with missing raters.

Run from the project root:
``python scripts/agreement_real_data.py [--out docs/agreement-real-data.md]``
(the datasets are read from ``../shared/datasets``; they are never copied into the repository).
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

import numpy as np

from coder import agreement as ag

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
EXAM = DATA / "exam_proctoring_two_coders"
ABUSE = DATA / "convabuse_multi_annotator"


def read_coder_file(
    path: Path, columns: int | None = None
) -> tuple[list[str], dict[str, set[str]]]:
    """Response ids in file order and each response's set of codes.

    ``columns=n`` reads only ``Code 1``..``Code n``; the default reads every ``Code`` column.
    """
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    keep = [k for k in rows[0] if k.startswith("Code ")] if rows else []
    if columns is not None:
        keep = [f"Code {i}" for i in range(1, columns + 1)]
    order = [r["ResponseId"] for r in rows]
    codes = {r["ResponseId"]: {(r.get(k) or "").strip() for k in keep} - {""} for r in rows}
    return order, codes


def authors_statistic(
    pri: dict[str, set[str]], sec: dict[str, set[str]], order: list[str]
) -> tuple[float, float, float]:
    """The authors' statistic, recomputed from its definition.

    Responses count when both coders gave a code. p_a = sum over codes of the responses both
    coders gave that code, divided by the larger of the two coders' total code uses; p_c = sum
    over codes of the product of the two coders' usage shares; irr = 1 - (1 - p_a) / (1 - p_c).
    Their script reads the columns ``Code 0`` to ``Code 7`` (there is no ``Code 0``), so a
    response's eighth code is never counted: pass codes read with ``columns=7`` to reproduce it.
    """
    used_p: dict[str, int] = {}
    used_s: dict[str, int] = {}
    both: dict[str, int] = {}
    for rid in order:
        p, s = pri.get(rid, set()), sec.get(rid, set())
        if not p or not s:
            continue
        for c in p:
            used_p[c] = used_p.get(c, 0) + 1
        for c in s:
            used_s[c] = used_s.get(c, 0) + 1
        for c in p & s:
            both[c] = both.get(c, 0) + 1
    n_p, n_s = sum(used_p.values()), sum(used_s.values())
    p_a = sum(both.values()) / max(n_p, n_s)
    p_c = sum(used_p.get(c, 0) / n_p * used_s.get(c, 0) / n_s for c in set(used_p) | set(used_s))
    return p_a, p_c, 1 - (1 - p_a) / (1 - p_c)


def reference_values() -> dict[str, float]:
    out = {}
    for line in (EXAM / "reference_irr_values_from_authors_script.txt").read_text().splitlines():
        if m := re.match(r"^(\S+) p_a: \S+ p_c: \S+ irr: (\S+)", line):
            out[m.group(1)] = float(m.group(2))
    return out


def standard_statistics(
    pri: dict[str, set[str]], sec: dict[str, set[str]]
) -> dict[str, float | str | int]:
    """Set-level alpha and mean per-code statistics over responses both coders coded."""
    units = sorted(u for u in pri if pri[u] and sec.get(u))
    sets = [[frozenset(pri[u]) for u in units], [frozenset(sec[u]) for u in units]]
    codes = sorted({c for u in units for c in pri[u] | sec[u]})
    kappas: list[float] = []
    alphas: list[float] = []
    ac1s: list[float] = []
    undefined = 0
    for code in codes:
        data = np.array([[code in pri[u] for u in units], [code in sec[u] for u in units]], float)
        for func, bucket in (
            (lambda d: ag.cohen_kappa(d[0], d[1]), kappas),
            (lambda d: ag.krippendorff_alpha(d, level="nominal"), alphas),
            (ag.gwet_ac1, ac1s),
        ):
            value = ag.try_statistic(func, data)
            if isinstance(value, ag.Undefined):
                undefined += 1
            else:
                bucket.append(value)
    return {
        "units": len(units),
        "codes": len(codes),
        "alpha_masi": ag.krippendorff_alpha_sets(sets, distance="masi"),
        "mean_kappa": float(np.mean(kappas)),
        "mean_alpha": float(np.mean(alphas)),
        "mean_ac1": float(np.mean(ac1s)),
        "undefined": undefined,
    }


def exam_table() -> list[str]:
    refs = reference_values()
    lines = [
        "| question | authors' irr (their script) | recomputed | units | codes | "
        "set alpha (MASI) | mean per-code kappa | mean alpha | mean AC1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for q, ref in refs.items():
        files = sorted((EXAM / "irr_inputs").glob(f"* - {q} (*).csv"))
        pri_path = next(f for f in files if "(primary)" in f.name)
        sec_path = next(f for f in files if "(secondary)" in f.name)
        order, pri7 = read_coder_file(pri_path, columns=7)
        _, sec7 = read_coder_file(sec_path, columns=7)
        _, _, irr = authors_statistic(pri7, sec7, order)
        assert abs(irr - ref) < 1e-9, (q, irr, ref)
        std = standard_statistics(read_coder_file(pri_path)[1], read_coder_file(sec_path)[1])
        lines.append(
            f"| {q} | {ref:.4f} | {irr:.4f} | {std['units']} | {std['codes']} | "
            f"{std['alpha_masi']:.3f} | {std['mean_kappa']:.3f} | {std['mean_alpha']:.3f} | "
            f"{std['mean_ac1']:.3f} |"
        )
    return lines


SEVERITY = {"is_abuse.1": 1, "is_abuse.0": 0, "is_abuse.-1": -1, "is_abuse.-2": -2,
            "is_abuse.-3": -3}  # fmt: skip


def convabuse_table() -> list[str]:
    with (ABUSE / "ConvAbuseEMNLPfull.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # An item is a message in its context; example_no numbers annotations, not items. The
    # full file also holds repeat annotations (for intra-annotator agreement): an annotator's
    # first rating of an item is kept.
    key_cols = ("conv_id", "prev_agent", "prev_user", "agent", "user", "bot")
    items: dict[tuple[str, ...], int] = {}
    annotators = sorted({r["annotator_id"] for r in rows})
    row = {a: k for k, a in enumerate(annotators)}
    for r in rows:
        items.setdefault(tuple(r[k] for k in key_cols), len(items))
    data = np.full((len(annotators), len(items)), np.nan)
    repeats = 0
    for r in sorted(rows, key=lambda r: int(r["example_no"])):
        value = [v for k, v in SEVERITY.items() if r[k] == "1"]
        i, j = row[r["annotator_id"]], items[tuple(r[k] for k in key_cols)]
        if not np.isnan(data[i, j]):
            repeats += 1
        elif len(value) == 1:
            data[i, j] = value[0]
    per_item = (~np.isnan(data)).sum(axis=0)
    lines = [
        f"{len(items)} messages, {len(annotators)} annotators, {int(per_item.sum())} ratings; "
        f"raters per message {per_item.min()}-{per_item.max()} (mean {per_item.mean():.2f}); "
        f"{repeats} repeat ratings by the same annotator left out.",
        "",
        "| level | Krippendorff's alpha | 95% bootstrap CI | seconds |",
        "|---|---|---|---|",
    ]
    for level in ("nominal", "ordinal", "interval"):
        t = time.perf_counter()
        alpha = ag.krippendorff_alpha(data, level=level)
        low, high = ag.bootstrap_ci(ag.krippendorff_alpha, data, n_boot=200, seed=0, level=level)
        lines.append(
            f"| {level} | {alpha:.4f} | [{low:.3f}, {high:.3f}] | {time.perf_counter() - t:.2f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Also write the tables to this Markdown file.")
    args = parser.parse_args()
    text = "\n".join(
        [
            "## Exam proctoring: two coders, multi-label (Balash et al. 2023)",
            "",
            *exam_table(),
            "",
            "## ConvAbuse: abuse severity, 2-7 of 8 annotators (Cercas Curry et al. 2021)",
            "",
            *convabuse_table(),
            "",
        ]
    )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
