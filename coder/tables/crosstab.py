"""Vote-weighted crosstabs, the balance of contributions, and the participant profile.

Definitions (as in the report):

- **Net votes** of an idea = its upvotes minus its downvotes, on the idea itself (votes on its
  comments do not count).
- An idea coded to several codes counts **in each cell it is coded to**: in a two-frame table an
  idea with row codes R and column codes C sits in every cell of R x C. Row and column totals are
  sums of cells, as the report printed them; the number of *distinct* ideas is reported beside.
- Ideas excluded as not relevant, and ideas of questions without frames, are not in the tables.
- The **balance** of a question counts its ideas, the comments on them and the votes on both,
  by the question each idea is analysed under (after any move).
- A project **without votes** (survey answers, :func:`coder.data.queries.has_votes`) has
  counts only: the tables and the balance leave their vote columns out.
- The **profile** counts participants and contributors (participants who posted an idea or a
  comment or voted) per answer of each questionnaire column. It never joins answers onto
  contribution texts: only the set of contributor ids crosses over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import product
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from coder.data.codebook import Code, Frame
from coder.data.codetree import check_level, roll_up
from coder.data.codings import Coding, codings_of
from coder.data.queries import has_votes
from coder.data.store import Project
from coder.errors import CoderError

TIDY_COLUMNS = ["question", "row_frame", "row", "column_frame", "column", "ideas", "net_votes"]
TOTAL = "Total"
QUESTIONNAIRE_FILE = "questionnaire.yaml"
PROFILE_COLUMNS = [
    "question",
    "answer",
    "participants",
    "participants_pct",
    "contributors",
    "contributors_pct",
    "contributors_of_participants_pct",
]


@dataclass
class Crosstabs:
    """The crosstabs of one coding.

    ``table`` is the tidy long table (:data:`TIDY_COLUMNS`); ``distinct`` gives, per question,
    how many distinct ideas the table holds; ``notes`` gives per question the sentences to print
    under the table; ``labels`` gives the tabulated questions' labels, in codebook order.
    ``votes`` is False for a project without votes: ``table`` then has no ``net_votes`` column.
    """

    table: pd.DataFrame
    distinct: dict[str, int] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    votes: bool = True


def net_votes(project: Project) -> dict[str, int]:
    """Net votes (up minus down) on each idea itself."""
    return dict(
        project.conn.execute(
            "SELECT i.idea_id, COALESCE(SUM(v.value), 0) FROM ideas i "
            "LEFT JOIN votes v ON v.target_id = i.idea_id AND v.target_kind = 'idea' "
            "GROUP BY i.idea_id"
        )
    )


def analysed_questions(project: Project) -> dict[str, str]:
    return dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )


def crosstabs(project: Project, coder: str, level: int | None = None) -> Crosstabs:
    """Build every one- and two-frame table of the codebook from one coder's codings.

    With ``level`` (1: top-level codes), a code tree is rolled up to that depth
    (:func:`coder.data.codetree.roll_up`): a code's row counts each idea coded to it or to any
    code under it once, with its net votes once.
    """
    return crosstabs_from(project, codings_of(project, coder), level)


def _rolled(codes: set[str], frame: Frame, level: int | None) -> set[str]:
    return roll_up(codes, frame, level) if level is not None else codes


def _shown(frame: Frame, level: int | None) -> list[Code]:
    return [c for c in frame.codes if level is None or c.depth <= level]


def crosstabs_from(
    project: Project, codings: dict[str, Coding], level: int | None = None
) -> Crosstabs:
    """Build the crosstabs from codings given by idea id (see :func:`crosstabs`)."""
    if level is not None:
        check_level(level)
    nets = net_votes(project)
    questions = analysed_questions(project)
    cb = project.codebook
    records: list[dict[str, Any]] = []
    result = Crosstabs(pd.DataFrame(columns=TIDY_COLUMNS))
    for q in cb.questions:
        frames = cb.frames_for(q.id)
        if not frames:
            continue
        coded = {
            i: c
            for i, c in codings.items()
            if questions.get(i) == q.id and c.not_relevant_reason is None
        }
        excluded = sum(
            1
            for i, c in codings.items()
            if questions.get(i) == q.id and c.not_relevant_reason is not None
        )
        rows = frames[0]
        cols = frames[1] if len(frames) > 1 else None
        cells: dict[tuple[str, str], list[int]] = {}
        placed: set[str] = set()
        partial = 0
        for idea, coding in coded.items():
            r_codes = _rolled(coding.codes.get(rows.id, set()), rows, level)
            c_codes = _rolled(coding.codes.get(cols.id, set()), cols, level) if cols else {""}
            if not r_codes or not c_codes:
                partial += bool(r_codes or c_codes)
                continue
            placed.add(idea)
            for key in product(r_codes, c_codes):
                cell = cells.setdefault(key, [0, 0])
                cell[0] += 1
                cell[1] += nets.get(idea, 0)
        col_ids = [c.id for c in _shown(cols, level)] if cols else [""]
        col_label = {c.id: c.label for c in _shown(cols, level)} if cols else {"": ""}
        col_tot = {c: [0, 0] for c in col_ids}
        grand = [0, 0]
        for code in _shown(rows, level):
            row_tot = [0, 0]
            for c in col_ids:
                n, v = cells.get((code.id, c), [0, 0])
                if cols:
                    records.append(
                        _rec(q.id, rows.label, code.label, cols.label, col_label[c], n, v)
                    )
                row_tot = [row_tot[0] + n, row_tot[1] + v]
                col_tot[c] = [col_tot[c][0] + n, col_tot[c][1] + v]
            records.append(
                _rec(
                    q.id,
                    rows.label,
                    code.label,
                    cols.label if cols else "",
                    TOTAL if cols else "",
                    *row_tot,
                )
            )
            grand = [grand[0] + row_tot[0], grand[1] + row_tot[1]]
        if cols:
            for c in col_ids:
                records.append(_rec(q.id, rows.label, TOTAL, cols.label, col_label[c], *col_tot[c]))
        records.append(
            _rec(q.id, rows.label, TOTAL, cols.label if cols else "", TOTAL if cols else "", *grand)
        )
        result.distinct[q.id] = len(placed)
        result.labels[q.id] = q.label
        notes = [
            "Net votes are upvotes minus downvotes on the ideas themselves, not on comments.",
            f"An idea coded to several codes counts in each cell it is coded to: the table holds "
            f"{grand[0]} codings of {len(placed)} distinct ideas.",
        ]
        if excluded:
            notes.append(f"{_ideas(excluded)} marked not relevant excluded.")
        if partial:
            notes.append(f"{_ideas(partial)} coded on only one of the two frames left out.")
        result.notes[q.id] = notes
    result.table = pd.DataFrame.from_records(records, columns=TIDY_COLUMNS)
    if not has_votes(project):
        result.votes = False
        result.table = result.table.drop(columns="net_votes")
        for notes in result.notes.values():
            notes.pop(0)  # the note on net votes
    return result


def _ideas(n: int) -> str:
    return f"{n} idea" if n == 1 else f"{n} ideas"


def _rec(
    question: str, row_frame: str, row: str, column_frame: str, column: str, ideas: int, net: int
) -> dict[str, Any]:
    return {
        "question": question,
        "row_frame": row_frame,
        "row": row,
        "column_frame": column_frame,
        "column": column,
        "ideas": ideas,
        "net_votes": net,
    }


def balance(project: Project) -> pd.DataFrame:
    """Table 1: ideas, comments and votes per (analysed) question, with shares of the total.

    Without votes in the project (survey answers), the ``votes`` column is left out.
    """
    q_of = analysed_questions(project)
    counts = {q.id: [0, 0, 0] for q in project.codebook.questions}
    for question in q_of.values():
        counts[question][0] += 1
    comment_q: dict[str, str] = {}
    for comment, idea in project.conn.execute("SELECT comment_id, idea_id FROM comments"):
        comment_q[comment] = q_of[idea]
        counts[q_of[idea]][1] += 1
    for target, kind, n in project.conn.execute(
        "SELECT target_id, target_kind, COUNT(*) FROM votes GROUP BY target_id, target_kind"
    ):
        counts[q_of[target] if kind == "idea" else comment_q[target]][2] += n
    rows = []
    for q in project.codebook.questions:
        i, c, v = counts[q.id]
        rows.append(
            {
                "question": q.id,
                "label": q.label,
                "ideas": i,
                "comments": c,
                "votes": v,
                "contributions": i + c + v,
            }
        )
    df = pd.DataFrame(rows)
    total = int(df["contributions"].sum())
    df.loc[len(df)] = {
        "question": TOTAL,
        "label": TOTAL,
        "ideas": df["ideas"].sum(),
        "comments": df["comments"].sum(),
        "votes": df["votes"].sum(),
        "contributions": total,
    }
    df["percent"] = [percent(int(c), total) for c in df["contributions"]]
    return df if has_votes(project) else df.drop(columns="votes")


def contributors(project: Project) -> set[str]:
    """Participant ids that posted an idea or a comment, or voted."""
    return {
        r[0]
        for r in project.conn.execute(
            "SELECT author_id FROM ideas UNION SELECT author_id FROM comments "
            "UNION SELECT voter_id FROM votes"
        )
    }


def load_answer_order(project: Project) -> dict[str, list[str]]:
    """Answer order per questionnaire column from the project's ``questionnaire.yaml``, if any.

    The file maps a column name to its answers in the order to print them. Columns or answers
    it does not list follow in order of first appearance.
    """
    path = project.path / QUESTIONNAIRE_FILE
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise CoderError(
            f"{path} must map each questionnaire column to a list of its answers "
            "in order; fix the file or delete it"
        )
    return {str(k): [str(a) for a in v] for k, v in data.items()}


def profile(project: Project, suppress_below: int | None = None) -> pd.DataFrame:
    """The participant profile: participants and contributors per answer of each question.

    With ``suppress_below=N``, counts under N (and the percentages computed from them) are
    blanked, for publication.
    """
    import json

    active = contributors(project)
    answers: dict[str, dict[str, list[int]]] = {}
    n_part = n_contrib = 0
    for pid, raw in project.conn.execute(
        "SELECT participant_id, answers FROM participants ORDER BY rowid"
    ):
        n_part += 1
        is_contrib = pid in active
        n_contrib += is_contrib
        for column, answer in json.loads(raw).items():
            cell = answers.setdefault(column, {}).setdefault(answer.strip() or "Not stated", [0, 0])
            cell[0] += 1
            cell[1] += is_contrib
    order = load_answer_order(project)
    rows = []
    for column, by_answer in answers.items():
        wanted = order.get(column, [])
        ranked = wanted + [a for a in by_answer if a not in wanted]
        for answer in [*ranked, TOTAL]:
            p, c = (n_part, n_contrib) if answer == TOTAL else by_answer.get(answer, [0, 0])
            rows.append(
                {
                    "question": column,
                    "answer": answer,
                    "participants": p,
                    "participants_pct": percent(p, n_part),
                    "contributors": c,
                    "contributors_pct": percent(c, n_contrib),
                    "contributors_of_participants_pct": percent(c, p),
                }
            )
    df = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    if suppress_below:
        df = df.astype({"participants": "Int64", "contributors": "Int64"}).astype(
            {c: "Float64" for c in df.columns if c.endswith("_pct")}
        )
        small_p = df["participants"] < suppress_below
        small_c = df["contributors"] < suppress_below
        df.loc[
            small_p,
            [
                "participants",
                "participants_pct",
                "contributors",
                "contributors_pct",
                "contributors_of_participants_pct",
            ],
        ] = pd.NA
        df.loc[
            small_c, ["contributors", "contributors_pct", "contributors_of_participants_pct"]
        ] = pd.NA
    return df


def percent(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``, rounded half up to 2 decimals as reports do."""
    if not whole:
        return 0.0
    exact = Fraction(100 * part, whole)
    ratio = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def write_questionnaire_order(path: Path, order: dict[str, list[str]]) -> None:
    path.write_text(yaml.safe_dump(order, sort_keys=False, allow_unicode=True), encoding="utf-8")
