"""The store as the suggestion stage reads it: the ideas in a fixed order, the codings of each
kind of coder, and the ideas humans have coded.

Nothing here writes to the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from coder.data.codings import coded_ideas
from coder.data.store import Project

# idea -> coder -> (not_relevant_reason, codes per frame)
CodingsByIdea = dict[str, dict[str, tuple[str | None, dict[str, set[str]]]]]


@dataclass
class Ideas:
    """Ideas in a fixed order: ids, texts and the question each is analysed under."""

    ids: list[str]
    texts: list[str]
    questions: list[str]

    def subset(self, keep: Sequence[int]) -> Ideas:
        return Ideas(
            [self.ids[i] for i in keep],
            [self.texts[i] for i in keep],
            [self.questions[i] for i in keep],
        )


def all_ideas(project: Project) -> Ideas:
    """Every idea of the project, by id, under its analysis question (else its question)."""
    rows = project.conn.execute(
        "SELECT idea_id, text, COALESCE(analysis_question, question) FROM ideas ORDER BY idea_id"
    ).fetchall()
    return Ideas([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def codings_by_kind(project: Project, kinds: Sequence[str]) -> CodingsByIdea:
    """idea -> coder -> (not_relevant_reason, codes per frame), for coders of ``kinds``."""
    marks = ",".join("?" * len(kinds))
    out: CodingsByIdea = defaultdict(dict)
    for idea, coder, reason in project.conn.execute(
        "SELECT k.idea_id, k.coder_id, k.not_relevant_reason FROM codings k "
        f"JOIN coders c USING (coder_id) WHERE c.kind IN ({marks})",
        tuple(kinds),
    ):
        out[idea][coder] = (reason, {})
    for idea, coder, frame, code in project.conn.execute(
        "SELECT x.idea_id, x.coder_id, x.frame_id, x.code_id FROM coding_codes x "
        f"JOIN coders c USING (coder_id) WHERE c.kind IN ({marks})",
        tuple(kinds),
    ):
        out[idea][coder][1].setdefault(frame, set()).add(code)
    return out


def human_coded(project: Project) -> set[str]:
    """Ideas a human coded, or that have a final (reconciled) coding."""
    return coded_ideas(project, ("human", "final"))
