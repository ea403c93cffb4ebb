"""What goes into the report: the summary's figures, the model's facts and the parts of the
whole report (plain dataclasses, filled by :func:`~coder.tables.report.build.build_report`), and
which ideas are codable, the denominator of the report's shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from coder.data.store import Project
from coder.tables.crosstab import Crosstabs


@dataclass
class Summary:
    """The report's opening: who coded what, agreement, the model, where final codes came from.

    ``coders`` holds (human coder, codable ideas they coded); ``alpha`` one row per frame
    (frame label, alpha, interval low, interval high, ideas, note); ``statuses`` counts codable
    ideas per reconciliation status; ``rules`` counts final-provenance rows per merge rule.
    """

    codable: int
    coders: list[tuple[str, int]] = field(default_factory=list)
    humans_any: int = 0
    alpha: list[tuple[str, float | None, float | None, float | None, int, str]] = field(
        default_factory=list
    )
    alpha_note: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)


@dataclass
class ModelFacts:
    """The latest suggestion model as the report shows it.

    ``suggested`` counts the codable ideas the model made a suggestion for, ``abstained``
    those of them it was unsure of and routed to a human; it *coded* the rest (its coverage).
    ``quality`` holds per code the training examples and cross-validated precision, recall and
    F1 (columns ``frame, code, examples, trained, precision, recall, f1``); ``agreement`` per
    frame and human coder the out-of-fold micro-F1 and Cohen's kappa (None when the model
    folder holds no out-of-fold decisions).
    """

    model_id: str
    trained: str
    embedding: str
    suggested: int = 0
    abstained: int = 0

    @property
    def coded(self) -> int:
        """Codable ideas the model coded: suggested for and not routed to a human."""
        return self.suggested - self.abstained

    training_items: int | None = None
    training_coders: list[str] = field(default_factory=list)
    quality: pd.DataFrame | None = None
    macro_f1: dict[str, float] = field(default_factory=dict)
    agreement: pd.DataFrame | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class ReportParts:
    """What goes into the report; sections with no data are left out."""

    title: str
    source: str
    tables: Crosstabs
    balance: pd.DataFrame
    profile: pd.DataFrame
    summary: Summary | None = None
    quotes: dict[tuple[str, str, str], list[tuple[str, int]]] = field(default_factory=dict)
    reliability: dict[str, pd.DataFrame] = field(default_factory=dict)
    model: ModelFacts | None = None
    provenance: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def codable_ideas(project: Project) -> set[str]:
    """Ideas analysed under a question that has at least one coding frame."""
    framed = {q for f in project.codebook.frames for q in f.questions}
    return {
        str(i)
        for i, q in project.conn.execute(
            "SELECT idea_id, COALESCE(analysis_question, question) FROM ideas"
        )
        if q in framed
    }
