"""Every code an item holds, and where each came from: what ``coder codings show`` prints.

One row per (item, frame, source, who): each human coder's codes (or their exclusion), the
model's suggestion with its scores and whether it routed the item to a human, each review
decision, an adjudicator's decision and the final code with the rule that made it. Texts are
never included: items are named by id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from coder.data.store import Project
from coder.errors import NotFoundError

COLUMNS = ["idea_id", "question", "frame", "source", "who", "codes", "detail"]
ORDER = {"coder": 0, "model": 1, "review": 2, "adjudication": 3, "final": 4}


def _ideas(project: Project, idea: str | None) -> dict[str, str]:
    sql = "SELECT idea_id, COALESCE(analysis_question, question) FROM ideas"
    if idea is None:
        return {str(i): str(q) for i, q in project.conn.execute(sql)}
    row = project.conn.execute(sql + " WHERE idea_id = ?", (idea,)).fetchone()
    if row is None:
        raise NotFoundError(
            f"no idea {idea!r} in this project; list ideas with `coder codings list` "
            "or check the id in the ideas file you ingested"
        )
    return {str(row[0]): str(row[1])}


def _codes(codes: Iterable[str]) -> str:
    return "; ".join(sorted(codes))


def item_codes(project: Project, idea: str | None = None) -> pd.DataFrame:
    """Every code of ``idea`` (or of every idea) from every source, one row per source and frame."""
    ideas = _ideas(project, idea)
    rows: list[dict[str, str]] = []

    def add(i: str, frame: str, source: str, who: str, codes: str, detail: str = "") -> None:
        if i in ideas:
            rows.append(
                {
                    "idea_id": i,
                    "question": ideas[i],
                    "frame": frame,
                    "source": source,
                    "who": who,
                    "codes": codes,
                    "detail": detail,
                }
            )

    kinds = dict(project.conn.execute("SELECT coder_id, kind FROM coders"))
    per: dict[tuple[str, str], dict[str, set[str]]] = {}
    for i, coder, frame, code in project.conn.execute(
        "SELECT idea_id, coder_id, frame_id, code_id FROM coding_codes"
    ):
        per.setdefault((str(i), str(coder)), {}).setdefault(str(frame), set()).add(str(code))
    for i, coder, reason in project.conn.execute(
        "SELECT idea_id, coder_id, not_relevant_reason FROM codings"
    ):
        i, coder = str(i), str(coder)
        if kinds.get(coder) not in ("human",):
            continue
        if reason is not None:
            add(i, "", "coder", coder, "not relevant", str(reason))
        for frame, codes in sorted(per.get((i, coder), {}).items()):
            add(i, frame, "coder", coder, _codes(codes))

    scores: dict[tuple[str, str, str], list[str]] = {}
    for i, model, frame, code, score, suggested, trained in project.conn.execute(
        "SELECT idea_id, model_id, frame_id, code_id, score, suggested, status FROM suggestions"
    ):
        key = (str(i), str(model), str(frame))
        entry = scores.setdefault(key, [])
        if trained != "trained":
            entry.append(f"{code}: {trained}")
        elif suggested:
            entry.append(f"{code} ({float(score):.2f})")
    routed = {
        (str(i), str(m)): bool(a)
        for i, m, a in project.conn.execute(
            "SELECT idea_id, model_id, abstained FROM suggestion_items"
        )
    }
    for (i, model, frame), entry in sorted(scores.items()):
        chosen = [e.split(" (")[0] for e in entry if "(" in e]
        detail = "scores " + ", ".join(e for e in entry if "(" in e) if chosen else "no code"
        untrained: dict[str, list[str]] = {}
        for e in entry:
            if "(" not in e:
                name, state = e.split(": ", 1)
                untrained.setdefault(state, []).append(name)
        for state, names in sorted(untrained.items()):
            detail += f"; {state}: {', '.join(sorted(names))}"
        if routed.get((i, model)):
            detail += "; routed to a human"
        add(i, frame, "model", model, _codes(chosen), detail)

    for i, reviewer, frame, model, suggested, decided, decision in project.conn.execute(
        "SELECT item_id, reviewer, frame_id, model_version, suggested, decided, decision "
        "FROM studio_reviews"
    ):
        add(
            str(i),
            str(frame),
            "review",
            str(reviewer),
            _codes(json.loads(decided)),
            f"{decision} of model {model}'s {_codes(json.loads(suggested)) or 'no code'}",
        )

    for i, who, reason in project.conn.execute(
        "SELECT idea_id, adjudicator, not_relevant_reason FROM adjudications"
    ):
        if reason is not None:
            add(str(i), "", "adjudication", str(who), "not relevant", str(reason))
    adjudicated: dict[tuple[str, str], set[str]] = {}
    for i, frame, code in project.conn.execute(
        "SELECT idea_id, frame_id, code_id FROM adjudication_codes"
    ):
        adjudicated.setdefault((str(i), str(frame)), set()).add(str(code))
    who_adjudicated = dict(project.conn.execute("SELECT idea_id, adjudicator FROM adjudications"))
    for (i, frame), codes in sorted(adjudicated.items()):
        add(i, frame, "adjudication", str(who_adjudicated.get(i, "")), _codes(codes))

    final: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for i, frame, code, rule in project.conn.execute(
        "SELECT idea_id, frame_id, code_id, rule FROM final_provenance"
    ):
        final.setdefault((str(i), str(frame)), []).append((str(code), str(rule)))
    status: dict[str, str] = {}
    why: dict[str, str] = {}
    for i, st, reason in project.conn.execute("SELECT idea_id, status, reason FROM final_status"):
        status[str(i)], why[str(i)] = str(st), str(reason)
    for (i, frame), entries in sorted(final.items()):
        rules = sorted({r for _, r in entries})
        shown = "not relevant" if frame == "" else _codes(c for c, _ in entries)
        add(i, frame, "final", status.get(i, ""), shown, "rule " + ", ".join(rules))
    for i, st in status.items():
        if st in ("queued", "uncoded"):
            add(i, "", "final", st, "", f"not final: {why[i]}" if why[i] else "not final")

    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    table["_order"] = table["source"].map(ORDER)
    return (
        table.sort_values(["idea_id", "_order", "frame", "who"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
