"""Checks across the rows of a codings file (:mod:`coder.data.codings_file`): rows that repeat
or contradict each other, and the coders; and what a file holds, for a run without a codebook
to show before its statistics. Each check returns its problems, for the caller to list with
the others.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from coder.data.codings_file import (
    TYPO_CUTOFF,
    CodingRow,
    CodingsTable,
    Dropped,
    close_to,
    did_you_mean,
    rows_text,
)
from coder.errors import Problem

STRAY_RATIO = 10
"""A coder is stray when two other coders each coded at least this many times its items."""


# --------------------------------------------------------------------------------------------
# Rows that repeat or contradict each other


def check_conflicts(
    rows: list[CodingRow], path: str, exclusive: Collection[str] = ()
) -> tuple[list[CodingRow], list[Problem], Dropped]:
    """Rows that repeat another (dropped) and rows that contradict each other (problems).

    Per item and coder: an empty row (no code) beside coded rows of the same frame, or an
    empty frame and code beside any code; an exclusion beside codes, or two exclusions with
    different reasons; a second code in an ``exclusive`` frame.
    """
    problems: list[Problem] = []
    dropped: Dropped = defaultdict(list)
    groups: dict[tuple[str, str], list[CodingRow]] = defaultdict(list)
    kept: list[CodingRow] = []
    seen: set[tuple[str, str, str, str, str]] = set()
    for row in rows:
        key = (row.item, row.coder, row.frame, row.code.casefold() if row.excluded else row.code)
        if (*key, row.reason if row.excluded else "") in seen:
            dropped["repeated rows (same item, coder, frame and code)"].append(row.row)
            continue
        seen.add((*key, row.reason if row.excluded else ""))
        groups[(row.item, row.coder)].append(row)
        kept.append(row)

    def add(row: CodingRow, column: str, found: str, expected: str, fix: str) -> None:
        problems.append(Problem(path, row.row, column, found, expected, fix))

    for (item, coder), group in groups.items():
        who = f"{item!r} by {coder!r}"
        coded = [r for r in group if r.code and not r.excluded]
        excluded = [r for r in group if r.excluded]
        for r in group:
            if r.excluded or r.code:
                continue
            beside = [c for c in coded if not r.frame or c.frame == r.frame]
            if beside:
                scope = f" in frame {r.frame!r}" if r.frame else ""
                add(
                    r,
                    "code",
                    f"an empty code for {who}{scope} beside the code {beside[0].code!r} on "
                    f"row {beside[0].row}",
                    "codes, or one empty row (seen, no code applied), not both",
                    "delete the empty row, or the coded rows if the coder applied no code",
                )
        if excluded and coded:
            add(
                excluded[0],
                "code",
                f"an exclusion of {who} beside the code {coded[0].code!r} on row {coded[0].row}",
                "an item is either excluded (not relevant) or coded",
                "delete the exclusion, or the codes",
            )
        if len({r.reason for r in excluded}) > 1:
            add(
                excluded[1],
                "reason",
                f"a second exclusion of {who} with another reason (first on row {excluded[0].row})",
                "one reason per exclusion",
                "keep one of the rows",
            )
        first: dict[str, CodingRow] = {}
        for r in coded:
            if r.frame not in exclusive:
                continue
            if r.frame in first:
                add(
                    r,
                    "code",
                    f"a second code for {coder!r} on {item!r} (first on row {first[r.frame].row})",
                    f"one code: frame {r.frame!r} is exclusive",
                    "keep one code, or make the frame `selection: multiple`",
                )
            else:
                first[r.frame] = r
    return kept, problems, dict(dropped)


# --------------------------------------------------------------------------------------------
# Coders


def check_coders(
    rows: list[CodingRow],
    path: str,
    expected: Collection[str] | None = None,
    *,
    model: str | None = None,
    others_allowed: bool = True,
) -> tuple[list[CodingRow], list[Problem], Dropped]:
    """The coders of a file against those expected, or a stray coder when none are.

    With ``expected``: each must have rows; a coder of the file not expected is an error when
    its name is close to an expected one (a typo) or ``others_allowed`` is false, else its
    rows are dropped (and said). Without: a coder whose items are fewer than a tenth of each of
    two other coders' is an error. ``model`` (the model as a coder) is never stray or dropped.
    """
    problems: list[Problem] = []
    dropped: Dropped = defaultdict(list)
    items: dict[str, set[str]] = defaultdict(set)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        items[r.coder].add(r.item)
        rows_of[r.coder].append(r.row)
    humans = [c for c in items if c != model]
    wanted = [*(expected or []), *([model] if model else [])]
    for c in wanted:
        if c not in items:
            problems.append(
                Problem(
                    path,
                    None,
                    "coder",
                    f"no rows of the coder {c!r} (coders in the file: "
                    f"{', '.join(items) or 'none'})",
                    "rows of every coder named",
                    "fix the name given" + did_you_mean(c, items) + ", or the file",
                )
            )
    if expected is not None:
        for c in humans:
            if c in wanted:
                continue
            close = close_to(c, wanted)
            if close or not others_allowed:
                problems.append(
                    Problem(
                        path,
                        rows_of[c][0],
                        "coder",
                        f"the coder {c!r} on {len(items[c])} item(s) (rows "
                        f"{rows_text(rows_of[c])})",
                        "one of the coders named: " + ", ".join(wanted),
                        "fix the name in the file"
                        + did_you_mean(c, wanted)
                        + ", or add the coder to --coders",
                    )
                )
            else:
                dropped[f"rows of {c!r}, not among the coders named"] = rows_of[c]
        keep = set(wanted)
        return [r for r in rows if r.coder in keep], problems, dict(dropped)
    for c in humans:
        bigger = [o for o in humans if o != c and len(items[o]) >= STRAY_RATIO * len(items[c])]
        if len(bigger) < 2:
            continue
        main = ", ".join(f"{o!r} ({len(items[o])} items)" for o in bigger)
        problems.append(
            Problem(
                path,
                rows_of[c][0],
                "coder",
                f"the coder {c!r} on only {len(items[c])} item(s) (rows "
                f"{rows_text(rows_of[c])}) beside {main}",
                "the same coders throughout: one more coder turns every Cohen's kappa into "
                "Fleiss' kappa",
                "fix the coder's name"
                + did_you_mean(c, [o for o in humans if o != c])
                + f", delete the rows, or if {c!r} is a coder, name every "
                + "coder with --coders "
                + ",".join([*(o for o in humans if o != c), c]),
            )
        )
    return rows, problems, {}


# --------------------------------------------------------------------------------------------
# What a file holds


def describe(table: CodingsTable, rows: list[CodingRow], dropped: Dropped) -> pd.DataFrame:
    """What a codings file holds, for a run without a codebook to show before its statistics.

    Returns
    -------
    DataFrame
        Columns ``what, count, details``: the file (and sheet) and its item column; per coder
        its rows and items; per frame its codes with their rows; codes that look like a typo
        of a more common one; rows with no code; rows dropped and why.
    """
    out: list[tuple[str, int, str]] = []
    source = Path(table.path).name + (f", sheet {table.sheet!r}" if table.sheet else "")
    out.append(("file", len(table.rows), f"{source}; item column {table.item_column!r}"))
    by_coder: dict[str, list[CodingRow]] = defaultdict(list)
    for r in rows:
        by_coder[r.coder].append(r)
    for coder, mine in by_coder.items():
        out.append((f"coder {coder}", len(mine), f"rows; {len({r.item for r in mine})} items"))
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r.frame and r.code and not r.excluded:
            codes[r.frame][r.code] += 1
        elif r.frame:
            codes[r.frame].update(())
    for frame, counts in codes.items():
        listed = ", ".join(f"{c} ({n})" for c, n in counts.items())
        out.append((f"frame {frame}", len(counts), "codes (rows): " + (listed or "none")))
        for rare, n in counts.items():
            common = [
                c
                for c in close_to(rare, [k for k in counts if k != rare], cutoff=TYPO_CUTOFF)
                if counts[c] >= 5 * n and not _in_tree(rare, c)
            ]
            if common:
                out.append(
                    (
                        "check",
                        n,
                        f"rows of {rare!r} in frame {frame}: a typo of {common[0]!r} "
                        f"({counts[common[0]]} rows)? Give --codebook to check every code",
                    )
                )
    empty = [r.row for r in rows if not r.code]
    if empty:
        out.append(("rows with no code", len(empty), "the coder saw the item, applied no code"))
    excluded = [r.row for r in rows if r.excluded]
    if excluded:
        out.append(("exclusions", len(excluded), "items marked not relevant"))
    for why, numbers in dropped.items():
        out.append((f"dropped: {why}", len(numbers), "rows " + rows_text(numbers)))
    return pd.DataFrame(out, columns=["what", "count", "details"])


def _in_tree(a: str, b: str) -> bool:
    """Whether one code is the other's path in a code tree (``parent->child``), not a typo."""
    short, long = sorted((a, b), key=len)
    rest = long[len(short) :]
    return long.startswith(short) and bool(rest) and not (rest[0].isalnum() or rest[0] == "_")
