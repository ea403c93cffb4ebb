"""The report people read: one self-contained HTML file (and an XLSX twin).

The page opens with a summary (who coded what share of the ideas, how far the human coders
agree, what the model covered and how good it is, where the final codes came from) and a table
of contents. It needs no network: styles are inline, the chart is inline SVG, there is no
script, and a Content-Security-Policy forbids any (so text that slipped through escaping still
could not run). Every piece of contribution text is HTML-escaped, and quotes are redacted
before they are shown.

Numbers are printed one way throughout (:func:`number`): integers with thousands separators,
percentages with one decimal, statistics with two. A statistic that is not defined on the data
says so ("undefined"); a missing interval says "no interval".
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from coder.data.store import Project
from coder.tables.crosstab import TOTAL, Crosstabs

if TYPE_CHECKING:
    from coder.agreement.report import Report
    from coder.data.codings import Coding
    from coder.suggest.models import SuggestionModel

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2733;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #005eb8;
padding-bottom:.2rem}h3{margin-top:1.6rem}.meta{color:#57606a}.small{font-size:.85rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#f0f4f8}
tr.total td{font-weight:600;background:#f6f8fa}.note{color:#57606a;font-size:.88rem}
blockquote{margin:.4rem 0 .8rem;padding:.4rem .8rem;border-left:4px solid #005eb8;
background:#f6f8fa}.votes{color:#57606a;font-size:.85rem}.flag{color:#b35900}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.8rem;
margin:1rem 0}.tile{border:1px solid #d0d7de;border-top:4px solid #005eb8;padding:.5rem .7rem}
.tile b{display:block;font-size:1.5rem}.tile span{color:#57606a;font-size:.88rem}
nav ol{columns:2 18rem;margin:.4rem 0}svg text{font-size:12px;fill:#1d2733}
svg text.q{font-weight:600}svg text.f{fill:#57606a;font-style:italic}
svg .pos{fill:#005eb8}svg .neg{fill:#b35900}
svg line{stroke:#57606a}
"""

INT, PCT, STAT, TEXT = "int", "pct", "stat", "text"
UNDEFINED = "undefined"
NO_INTERVAL = "no interval"

RULE_WORDS = {
    "adjudicated": "adjudicated",
    "unanimous": "humans agreed",
    "majority": "majority of the human coders",
    "single_coder": "single coder",
    "accepted_suggestion": "model suggestion accepted",
    "reviewer_edit": "model suggestion corrected by a reviewer",
    "unreviewed_suggestion": "model suggestion, not reviewed",
}
STATUS_WORDS = {
    "final": "with final codes",
    "excluded": "excluded as not relevant",
    "queued": "waiting for an adjudicator",
    "uncoded": "not coded yet",
}
ORIGIN_WORDS = {
    "humans": "Humans",
    "accepted_suggestions": "Model suggestions accepted",
    "unreviewed_suggestions": "Model suggestions not reviewed",
}
SENSITIVITY_WORDS = {
    "question": "Question",
    "row": "Row",
    "column": "Column",
    "ideas_humans": "Ideas (human-made codes only)",
    "net_votes_humans": "Net votes (human-made codes only)",
    "ideas_all": "Ideas (all final codes)",
    "net_votes_all": "Net votes (all final codes)",
    "ideas_moved": "Ideas moved by the model",
    "votes_moved": "Net votes moved by the model",
}
STATISTIC_WORDS = {
    "prevalence": "Prevalence",
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "alpha_masi": "Alpha (MASI)",
    "alpha_jaccard": "Alpha (Jaccard)",
}
PROPORTIONS = ("prevalence", "percent_agreement")
KEY_WORDS = {"frame": "Frame", "code": "Code", "coder_a": "Coder A", "coder_b": "Coder B"}


# --------------------------------------------------------------------------------------------
# Formatting: one way to print a number


def esc(value: Any) -> str:
    """HTML-escape anything (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _missing(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return value is None or value == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, kind: str = "auto") -> str:
    """How the report prints a value; the one formatting rule of the page and the workbook.

    Parameters
    ----------
    value
        A number, a text or a missing value (None, NaN, ``pd.NA``).
    kind
        ``"int"`` (thousands separators: ``1,234``), ``"pct"`` (a percentage, one decimal:
        ``12.3%``), ``"stat"`` (two decimals: ``0.62``), ``"text"`` or ``"auto"`` (integers as
        ``"int"``, other numbers as ``"stat"``, text as it is).

    Returns
    -------
    str
        ``""`` for a missing value: never ``"nan"``.

    Examples
    --------
    >>> number(1234), number(12.345, "pct"), number(0.6251), number(float("nan"))
    ('1,234', '12.3%', '0.63', '')
    """
    if _missing(value):
        return ""
    if kind == TEXT or isinstance(value, str):
        return str(value)
    if kind == PCT:
        return f"{float(value):.1f}%"
    if kind == STAT:
        return f"{float(value):.2f}"
    if kind == INT or isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return f"{float(value):.2f}"


def _float(value: Any) -> float | None:
    """A number as a float; None for a missing value (None, NaN, ``pd.NA``)."""
    return None if _missing(value) else float(value)


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (None when ``whole`` is 0)."""
    return 100.0 * part / whole if whole else None


def statistic(
    value: float | None, low: float | None = None, high: float | None = None, pct: bool = False
) -> str:
    """A statistic with its interval, e.g. ``0.62 [0.50, 0.71]``; ``undefined`` when None.

    ``pct`` prints a proportion as a percentage (``85.0% [80.1%, 90.0%]``).
    """
    v, lo, hi = _float(value), _float(low), _float(high)
    if v is None:
        return UNDEFINED

    def one(x: float) -> str:
        return number(100 * x, PCT) if pct else number(x, STAT)

    if lo is None or hi is None:
        return one(v)
    return f"{one(v)} [{one(lo)}, {one(hi)}]"


def _heat(value: float, top: float) -> str:
    if not value or top <= 0:
        return ""
    level = max(0.0, min(1.0, value / top))
    # NHS blue at full strength, white at zero.
    r, g, b = (int(255 - (255 - c) * level * 0.75) for c in (0, 94, 184))
    colour = "#fff" if level > 0.6 else "#1d2733"
    return f' style="background:rgb({r},{g},{b});color:{colour}"'


def _table(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    heat_top: float | Sequence[float] | None = None,
    caption: str = "",
    kinds: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells printed with :func:`number` (``kinds``: one per column)."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption class=note>{esc(caption)}</caption>")
    out.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        total = bool(row) and row[0] == TOTAL
        cells = []
        for i, value in enumerate(row):
            style = ""
            top = heat_top[i] if isinstance(heat_top, Sequence) else heat_top
            numeric = isinstance(value, int | np.integer) and not isinstance(value, bool)
            if top and i > 0 and not total and header[i] != TOTAL and numeric:
                style = _heat(float(value), top)
            kind = kinds[i] if kinds is not None else "auto"
            cells.append(f"<td{style}>{esc(number(value, kind))}</td>")
        out.append(f"<tr{' class=total' if total else ''}>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _frame_table(df: pd.DataFrame, kinds: Sequence[str] | None = None, caption: str = "") -> str:
    return _table([str(c) for c in df.columns], df.values.tolist(), kinds=kinds, caption=caption)


def anchor(text: str) -> str:
    """An HTML id from any text (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "section"


# --------------------------------------------------------------------------------------------
# What the report shows


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


def cell_quotes(
    project: Project,
    codings: dict[str, Any],
    redact: Callable[[Sequence[str]], list[str]],
    per_cell: int = 3,
    min_ideas: int = 3,
) -> dict[tuple[str, str, str], list[tuple[str, int]]]:
    """Up to ``per_cell`` top-voted ideas per well-populated cell (``min_ideas`` or more), redacted.

    Keys are (question, row label, column label); values are (redacted text, net votes).
    """
    from coder.tables.crosstab import analysed_questions, net_votes

    nets = net_votes(project)
    questions = analysed_questions(project)
    texts = dict(project.conn.execute("SELECT idea_id, text FROM ideas"))
    cb = project.codebook
    cells: dict[tuple[str, str, str], list[str]] = {}
    for idea, coding in codings.items():
        if coding.not_relevant_reason is not None:
            continue
        frames = cb.frames_for(questions.get(idea, ""))
        if not frames:
            continue
        rows = coding.codes.get(frames[0].id, set())
        cols = coding.codes.get(frames[1].id, set()) if len(frames) > 1 else {""}
        for r in rows:
            for c in cols:
                label_c = frames[1].code(c).label if c else ""
                cells.setdefault((questions[idea], frames[0].code(r).label, label_c), []).append(
                    idea
                )
    chosen = {
        key: sorted(ideas, key=lambda i: (-nets.get(i, 0), i))[:per_cell]
        for key, ideas in cells.items()
        if len(ideas) >= min_ideas
    }
    order = sorted({i for ideas in chosen.values() for i in ideas})
    redacted = dict(zip(order, redact([texts[i] for i in order]), strict=True))
    return {key: [(redacted[i], nets.get(i, 0)) for i in ideas] for key, ideas in chosen.items()}


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


def latest_model_row(project: Project) -> tuple[str, str, str, str] | None:
    """(model id, folder relative to the project, embedding model, created at) of the newest."""
    row = project.conn.execute(
        "SELECT model_id, path, embedding_model, created_at FROM models "
        "ORDER BY created_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]), str(row[3]))


def summarise(project: Project, humans: Sequence[str], rel: Report | None) -> Summary:
    """The figures of the report's opening, counted from the store."""
    codable = codable_ideas(project)
    out = Summary(codable=len(codable))
    coded: dict[str, set[str]] = {h: set() for h in humans}
    for idea, coder in project.conn.execute(
        "SELECT k.idea_id, k.coder_id FROM codings k JOIN coders c USING (coder_id) "
        "WHERE c.kind = 'human'"
    ):
        if idea in codable and coder in coded:
            coded[coder].add(idea)
    out.coders = [(h, len(coded[h])) for h in humans]
    out.humans_any = len({i for ideas in coded.values() for i in ideas})
    if rel is None:
        out.alpha_note = (
            f"Agreement needs two human coders on the same ideas; this project has "
            f"{len(humans)} human coder{'' if len(humans) == 1 else 's'}."
        )
    else:
        t = rel.table
        rows = t[(t["table"] == "frame") & (t["statistic"] == "alpha_masi")]
        labels = {f.id: f.label for f in project.codebook.frames}
        for r in rows.to_dict("records"):
            out.alpha.append(
                (
                    labels.get(str(r["frame"]), str(r["frame"])),
                    _float(r["value"]),
                    _float(r["ci_low"]),
                    _float(r["ci_high"]),
                    int(r["items"]),
                    str(r["note"] or ""),
                )
            )
    out.statuses = {
        str(s): int(n)
        for s, n in project.conn.execute(
            "SELECT status, COUNT(*) FROM final_status GROUP BY status"
        )
    }
    out.rules = {
        str(r): int(n)
        for r, n in project.conn.execute(
            "SELECT rule, COUNT(*) FROM final_provenance GROUP BY rule"
        )
    }
    return out


def oof_agreement(
    model: SuggestionModel, humans: Mapping[str, Mapping[str, Coding]]
) -> pd.DataFrame:
    """Agreement of the model's out-of-fold decisions with each human coder, per frame.

    For each frame and human: the training items that have an out-of-fold decision and that
    the human coded (not excluded as not relevant); over all (item, code) cells of the frame,
    the micro-F1 of the decisions against the human's codes and Cohen's kappa of the two 0/1
    ratings. Decisions on the model's own training items would flatter it; out-of-fold ones
    were made by a model that did not see the item.

    Returns
    -------
    DataFrame
        Columns ``frame, coder, ideas, micro_f1, kappa, note``; ``micro_f1`` / ``kappa`` are
        None when undefined (``note`` says why). Empty when the model has no out-of-fold data.
    """
    rows = []
    for frame_id, oof in model.oof.items():
        codes: list[str] = list(model.frames[frame_id]["codes"])
        position = {idea: r for r, idea in enumerate(oof.ideas)}
        for human, codings in humans.items():
            both = [i for i in oof.ideas if i in codings and codings[i].not_relevant_reason is None]
            if not both:
                continue
            P = oof.decisions[[position[i] for i in both]].astype(np.int64)
            H = np.array(
                [[int(c in codings[i].codes.get(frame_id, ())) for c in codes] for i in both],
                dtype=np.int64,
            ).reshape(len(both), len(codes))
            micro, kappa, note = _micro_f1_and_kappa(H, P)
            rows.append(
                {
                    "frame": frame_id,
                    "coder": human,
                    "ideas": len(both),
                    "micro_f1": micro,
                    "kappa": kappa,
                    "note": note,
                }
            )
    columns = ["frame", "coder", "ideas", "micro_f1", "kappa", "note"]
    out = pd.DataFrame(rows, columns=columns, dtype=object)  # undefined stays None, not NaN
    return out.astype({"ideas": np.int64})


def _micro_f1_and_kappa(
    H: npt.NDArray[np.int64], P: npt.NDArray[np.int64]
) -> tuple[float | None, float | None, str]:
    """Micro-F1 of ``P`` against ``H`` and Cohen's kappa over all cells; None when undefined."""
    from coder import agreement as ag

    tp = int((H * P).sum())
    fp = int(((1 - H) * P).sum())
    fn = int((H * (1 - P)).sum())
    notes = []
    micro: float | None = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    if micro is None:
        notes.append("micro-F1 undefined: neither applied any code")
    value = ag.try_statistic(ag.cohen_kappa, H.ravel(), P.ravel())
    kappa: float | None = None
    if isinstance(value, ag.Undefined):
        notes.append("kappa undefined: no variation")
    else:
        kappa = float(value)
    return micro, kappa, "; ".join(notes)


def model_facts(project: Project, humans: Sequence[str]) -> ModelFacts | None:
    """The newest model's coverage, abstention, cross-validated quality and out-of-fold
    agreement with each human coder; None when no model was trained."""
    from coder.data.codings import codings_of
    from coder.suggest.models import ModelFolderError, load_model

    row = latest_model_row(project)
    if row is None:
        return None
    model_id, path, embedding, created = row
    facts = ModelFacts(model_id, created[:10], embedding)
    codable = codable_ideas(project)
    for idea, abstained in project.conn.execute(
        "SELECT idea_id, abstained FROM suggestion_items WHERE model_id = ?", (model_id,)
    ):
        if idea in codable:
            facts.suggested += 1
            facts.abstained += int(abstained)
    try:
        model = load_model(project.path / path)
    except ModelFolderError as exc:
        facts.problems.append(f"The model folder could not be read ({exc}).")
        return facts
    if model.codebook_hash != project.codebook.hash:
        facts.problems.append(
            "The model was trained on another version of the codebook; its figures describe "
            "that version."
        )
    facts.training_items = model.training.get("items")
    facts.training_coders = [str(c) for c in model.training.get("coders", [])]
    quality = []
    for frame_id, head in model.heads.items():
        codes = model.frames[frame_id]["codes"]
        trained = [j for j, s in enumerate(head.status_) if s == "trained"]
        if trained:
            facts.macro_f1[frame_id] = float(np.mean(head.cv_scores_[trained, 2]))
        for j, code in enumerate(codes):
            p, r, f = (float(x) for x in head.cv_scores_[j])
            ok = head.status_[j] == "trained"
            quality.append(
                {
                    "frame": frame_id,
                    "code": _code_label(project, frame_id, code),
                    "examples": int(head.positives_[j]),
                    "trained": ok,
                    "precision": p if ok else None,
                    "recall": r if ok else None,
                    "f1": f if ok else None,
                }
            )
    facts.quality = pd.DataFrame(quality)
    if model.oof:
        facts.agreement = oof_agreement(model, {h: codings_of(project, h) for h in humans})
    return facts


def _code_label(project: Project, frame_id: str, code_id: str) -> str:
    try:
        return project.codebook.frame(frame_id).code(code_id).label
    except KeyError:  # a model trained on another version of the codebook
        return code_id


def build_report(
    project: Project,
    coder: str,
    suppress_below: int | None = 5,
    title: str | None = None,
    n_boot: int = 200,
) -> ReportParts:
    """Everything the report shows, from one coder's codes (normally ``final``).

    ``n_boot`` bootstrap resamples give the reliability intervals (0: none, faster).
    """
    from coder.agreement import report as reliability
    from coder.data.codings import coders, codings_of
    from coder.data.redact import redact_cached
    from coder.tables import crosstab

    tables = crosstab.crosstabs(project, coder)
    codings = codings_of(project, coder)

    def redact(texts: Sequence[str]) -> list[str]:
        return redact_cached(project, texts)

    humans = sorted(c for c, k in coders(project).items() if k == "human")
    rel = None
    if len(humans) >= 2:
        rel = reliability.reliability_report(
            reliability.from_project(project, humans), n_boot=n_boot
        )
    parts = ReportParts(
        title=title or project.codebook.title,
        source=f"the codes of {coder!r}",
        tables=tables,
        balance=crosstab.balance(project),
        profile=crosstab.profile(project, suppress_below),
        summary=summarise(project, humans, rel),
        quotes=cell_quotes(project, codings, redact),
        model=model_facts(project, humans),
    )
    if rel is not None:
        parts.reliability = reliability_tables(project, rel)
    if coder == "final":
        from coder.tables.provenance import cell_provenance, sensitivity

        parts.provenance = cell_provenance(project)
        parts.sensitivity = sensitivity(project)
        flagged = project.conn.execute(
            "SELECT COUNT(DISTINCT idea_id) FROM final_provenance WHERE unreviewed = 1"
        ).fetchone()[0]
        if flagged:
            parts.notes.append(
                f"{number(flagged)} ideas carry model suggestions no one reviewed "
                "(included on request)."
            )
    if suppress_below:
        parts.notes.append(f"Profile counts under {number(suppress_below)} are suppressed.")
    return parts


def reliability_tables(project: Project, rel: Report) -> dict[str, pd.DataFrame]:
    """The reliability report as tables with word headers and printed statistics."""
    t = rel.table
    frames = {f.id: f.label for f in project.codebook.frames}
    out: dict[str, pd.DataFrame] = {}
    for table, keys in (
        ("frame", ["frame"]),
        ("code", ["frame", "code"]),
        ("pair", ["coder_a", "coder_b", "frame"]),
    ):
        block = t[t["table"] == table]
        if block.empty:
            continue
        rows: dict[tuple[str, ...], dict[str, Any]] = {}
        for r in block.to_dict("records"):
            key = tuple(str(r[k]) for k in keys)
            row = rows.setdefault(
                key,
                {
                    **{KEY_WORDS[k]: v for k, v in zip(keys, key, strict=True)},
                    "Ideas": int(r["items"]),
                },
            )
            row["Frame"] = frames.get(row["Frame"], row["Frame"])
            name = str(r["statistic"])
            row[STATISTIC_WORDS.get(name, name.replace("_", " ").capitalize())] = statistic(
                _float(r["value"]), _float(r["ci_low"]), _float(r["ci_high"]), name in PROPORTIONS
            )
        out[table] = pd.DataFrame(list(rows.values()))
    return out


RELIABILITY_TITLES = {
    "frame": "Per frame: Krippendorff's alpha over whole code sets",
    "code": "Per code (applied or not)",
    "pair": "Coder by coder: set-level alpha per frame",
}


# --------------------------------------------------------------------------------------------
# The chart


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: a code's net votes in one question's table."""

    question: str
    frame: str
    code: str
    value: int


def chart_bars(tables: Crosstabs) -> list[Bar]:
    """Net votes per code per question, from the tables' totals (codes of every frame)."""
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


# --------------------------------------------------------------------------------------------
# The page


class _Page:
    """The body of the page, with its sections for the table of contents."""

    def __init__(self) -> None:
        self.body: list[str] = []
        self.sections: list[tuple[str, str]] = []
        self.opening = 0  # where the table of contents goes: after the summary

    def section(self, key: str, title: str) -> None:
        self.sections.append((key, title))
        self.body.append(f"<h2 id={anchor(key)}>{esc(title)}</h2>")

    def add(self, *html_parts: str) -> None:
        self.body.extend(html_parts)

    def contents(self) -> str:
        links = "".join(f'<li><a href="#{anchor(k)}">{esc(t)}</a></li>' for k, t in self.sections)
        return f'<nav aria-label="Contents"><h2 id=contents>Contents</h2><ol>{links}</ol></nav>'


def _tile(value: str, what: str) -> str:
    return f"<div class=tile><b>{esc(value)}</b><span>{esc(what)}</span></div>"


def _summary_html(
    page: _Page, s: Summary, model: ModelFacts | None, frames: dict[str, str]
) -> None:
    page.section("summary", "At a glance")
    tiles = [_tile(number(s.codable), "codable ideas (their question has coding frames)")]
    tiles.append(
        _tile(
            number(share(s.humans_any, s.codable), PCT),
            f"of them coded by a human ({number(s.humans_any)} ideas)",
        )
    )
    if model is not None:
        tiles.append(
            _tile(
                number(share(model.coded, s.codable), PCT),
                f"coded by the model ({number(model.coded)} ideas)",
            )
        )
    if s.statuses:
        final = s.statuses.get("final", 0) + s.statuses.get("excluded", 0)
        tiles.append(
            _tile(number(share(final, s.codable), PCT), f"settled ({number(final)} ideas)")
        )
    page.add("<div class=tiles>" + "".join(tiles) + "</div>")
    rows: list[list[Any]] = [[c, n, share(n, s.codable)] for c, n in s.coders]
    if model is not None:
        rows.append(["The model", model.coded, share(model.coded, s.codable)])
    page.add("<h3>Who coded the ideas</h3>")
    if rows:
        header = ["Coder", "Ideas coded", "Share of codable ideas"]
        page.add(_table(header, rows, kinds=[TEXT, INT, PCT]))
    else:
        page.add("<p>No human coder and no model has coded ideas in this project yet.</p>")
    page.add("<h3>Do the human coders agree?</h3>")
    if s.alpha:
        alpha_rows = [
            [f, statistic(v), _interval(v, lo, hi), n, note.removeprefix("undefined: ")]
            for f, v, lo, hi, n, note in s.alpha
        ]
        page.add(
            _table(
                [
                    "Frame",
                    "Krippendorff's alpha",
                    "95% interval",
                    "Ideas coded by two or more",
                    "Note",
                ],
                alpha_rows,
                kinds=[TEXT, TEXT, TEXT, INT, TEXT],
                caption="Alpha over whole code sets (MASI distance): 1 is perfect agreement, "
                "0 no better than chance.",
            )
        )
    else:
        page.add(f"<p>{esc(s.alpha_note)}</p>")
    if model is not None:
        page.add("<h3>The model</h3>", f"<p>{esc(_model_sentence(model, s.codable))}</p>")
        quality = _quality_sentences(model, frames)
        if quality:
            page.add("<ul>" + "".join(f"<li>{esc(q)}</li>" for q in quality) + "</ul>")
    if s.statuses:
        page.add(
            "<h3>Final codes</h3><p>"
            + esc(
                f"Of the {number(s.codable)} codable ideas: "
                + ", ".join(
                    f"{number(s.statuses[k])} {w}"
                    for k, w in STATUS_WORDS.items()
                    if k in s.statuses
                )
                + "."
            )
            + "</p>"
        )
    if s.rules:
        total = sum(s.rules.values())
        page.add(
            _table(
                ["Where the final codes came from", "Final codes", "Share"],
                [[_rule_words(r), n, share(n, total)] for r, n in _ordered_rules(s.rules)],
                kinds=[TEXT, INT, PCT],
                caption="One row per final code (or exclusion) and the rule that settled it.",
            )
        )


def _interval(value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return ""
    if low is None or high is None:
        return NO_INTERVAL
    return f"{number(low, STAT)} to {number(high, STAT)}"


def _rule_words(rule: str) -> str:
    return RULE_WORDS.get(rule, rule.replace("_", " "))


def _ordered_rules(rules: Mapping[str, int]) -> list[tuple[str, int]]:
    order = list(RULE_WORDS)
    return sorted(
        rules.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])
    )


def _model_sentence(m: ModelFacts, codable: int) -> str:
    if not m.suggested:
        return "The model has made no suggestions for the codable ideas yet."
    return (
        f"The model made suggestions for {number(m.suggested)} of the {number(codable)} "
        f"codable ideas; it was unsure of {number(m.abstained)} of them "
        f"({number(share(m.abstained, m.suggested), PCT)}) and routed them to a human, so it "
        f"coded {number(m.coded)} ({number(share(m.coded, codable), PCT)} of the codable ideas)."
    )


def _quality_sentences(m: ModelFacts, frames: dict[str, str]) -> list[str]:
    out = []
    for frame_id, macro in m.macro_f1.items():
        text = f"{frames.get(frame_id, frame_id)}: cross-validated macro-F1 {number(macro, STAT)}"
        if m.agreement is not None:
            for r in m.agreement[m.agreement["frame"] == frame_id].to_dict("records"):
                text += (
                    f"; out-of-fold agreement with {r['coder']}: micro-F1 "
                    f"{statistic(_float(r['micro_f1']))}, Cohen's kappa "
                    f"{statistic(_float(r['kappa']))} on {number(r['ideas'])} ideas"
                )
        out.append(text + ".")
    return out


def _model_html(page: _Page, m: ModelFacts, codable: int, frames: dict[str, str]) -> None:
    page.section("model", "The model")
    who = ", ".join(m.training_coders) or "unknown coders"
    trained_on = f" on {number(m.training_items)} ideas coded by {who}" if m.training_items else ""
    page.add(
        f"<p class='meta small'>Model {esc(m.model_id)}, trained {esc(m.trained)}"
        f"{esc(trained_on)}; embeddings {esc(m.embedding)}.</p>"
    )
    page.add(*[f"<p class=flag>{esc(p)}</p>" for p in m.problems])
    page.add(
        "<h3>Coverage and abstention</h3>",
        _table(
            ["", "Ideas", "Share"],
            [
                ["Codable ideas", codable, None],
                ["Suggestions made", m.suggested, share(m.suggested, codable)],
                ["Routed to a human (abstained)", m.abstained, share(m.abstained, m.suggested)],
                ["Coded by the model (coverage)", m.coded, share(m.coded, codable)],
            ],
            kinds=[TEXT, INT, PCT],
            caption="Shares of the codable ideas, except abstention: the share of the ideas "
            "the model made a suggestion for whose suggestion was too uncertain to use without "
            "a human.",
        ),
    )
    if m.quality is not None and not m.quality.empty:
        page.add(
            "<h3>Cross-validated quality per code</h3>",
            "<p class=note>Precision, recall and F1 of the model's suggestions against the "
            "training labels, each item predicted by a model trained without it.</p>",
        )
        for frame_id, block in m.quality.groupby("frame", sort=False):
            rows = [
                [
                    r["code"],
                    r["examples"],
                    r["precision"],
                    r["recall"],
                    r["f1"],
                    "" if r["trained"] else "not enough examples: never suggested",
                ]
                for r in block.to_dict("records")
            ]
            macro = m.macro_f1.get(str(frame_id))
            caption = f"{frames.get(str(frame_id), frame_id)}" + (
                f": macro-F1 {number(macro, STAT)}" if macro is not None else ""
            )
            page.add(
                _table(
                    ["Code", "Training examples", "Precision", "Recall", "F1", "Note"],
                    rows,
                    kinds=[TEXT, INT, STAT, STAT, STAT, TEXT],
                    caption=caption,
                )
            )
    page.add("<h3>Agreement with each human coder, out of fold</h3>")
    if m.agreement is None:
        page.add(
            "<p class=note>Out-of-fold agreement is not available: this model folder holds "
            "no out-of-fold decisions (it was saved by an older coder). Retrain with "
            "<code>coder train</code> to see it.</p>"
        )
    elif m.agreement.empty:
        page.add(
            "<p class=note>No human coded an item the model has an out-of-fold decision for.</p>"
        )
    else:
        rows = [
            [
                frames.get(r["frame"], r["frame"]),
                r["coder"],
                r["ideas"],
                statistic(_float(r["micro_f1"])),
                statistic(_float(r["kappa"])),
                r["note"],
            ]
            for r in m.agreement.to_dict("records")
        ]
        page.add(
            _table(
                ["Frame", "Human coder", "Ideas", "Micro-F1", "Cohen's kappa", "Note"],
                rows,
                kinds=[TEXT, TEXT, INT, TEXT, TEXT, TEXT],
                caption="On the training ideas the human coded, each suggested by a model "
                "trained without that idea (out of fold), pooled over the frame's codes. The "
                "decision thresholds were tuned on these same out-of-fold scores, so the "
                "figures lean slightly optimistic.",
            )
        )


def _question_html(page: _Page, project: Project, parts: ReportParts, q: Any) -> None:
    from coder.tables.render import grid

    page.section(f"q-{q.id}", q.label)
    t = parts.tables.table[parts.tables.table["question"] == q.id]
    inner = t[(t["row"] != TOTAL) & (~t["column"].isin([TOTAL]))]
    two_frame = bool(t["column_frame"].iloc[0])
    if two_frame:
        page.add("<div class=grid>")
        for measure, what in (("ideas", "Ideas coded"), ("net_votes", "Net votes")):
            header, rows = grid(parts.tables, q.id, measure)
            top = float(inner[measure].max() or 0)
            page.add(f"<div><h3>{esc(what)}</h3>" + _table(header, rows, heat_top=top) + "</div>")
        page.add("</div>")
    else:
        header, rows = grid(parts.tables, q.id, "ideas")
        header = [header[0], "Ideas", "Net votes"]
        tops = [0.0, float(inner["ideas"].max() or 0), float(inner["net_votes"].max() or 0)]
        page.add(_table(header, rows, heat_top=tops))
    page.add(*[f"<p class=note>{esc(n)}</p>" for n in parts.tables.notes[q.id]])
    if parts.provenance is not None:
        prov = parts.provenance[parts.provenance["question"] == q.id]
        if not prov.empty:
            names = [str(t["row_frame"].iloc[0])]
            columns = ["row"]
            if two_frame:
                names.append(str(t["column_frame"].iloc[0]))
                columns.append("column")
            origins = [c for c in ORIGIN_WORDS if c in prov.columns]
            page.add(
                "<h3>Where the codes came from</h3>",
                _table(
                    names + [ORIGIN_WORDS[c] for c in origins],
                    prov[columns + origins].values.tolist(),
                ),
            )
    quotes = {k: v for k, v in parts.quotes.items() if k[0] == q.id}
    if quotes:
        page.add(
            "<h3>What participants said (top-voted ideas per well-populated cell, redacted)</h3>"
        )
        for (_, row, col), items in sorted(quotes.items()):
            page.add(f"<h4>{esc(row)}{' / ' + esc(col) if col else ''}</h4>")
            for text, votes in items:
                page.add(
                    f"<blockquote>{esc(text)}<div class=votes>Net votes: "
                    f"{esc(number(votes))}</div></blockquote>"
                )


def render_html(project: Project, parts: ReportParts) -> str:
    """The whole report as one HTML document."""
    from coder.tables.render import BALANCE_HEADER, PROFILE_HEADER, balance_rows, profile_blocks

    cb = project.codebook
    frames = {f.id: f.label for f in cb.frames}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        f"<h1>{esc(parts.title)}</h1>",
        f"<p class=meta>Codes: {esc(parts.source)}. Codebook {esc(cb.id)} version "
        f"{esc(cb.hash)}. Generated {esc(now)} by coder.</p>",
    ]
    head += [f"<p class=note>{esc(n)}</p>" for n in parts.notes]
    page = _Page()
    if parts.summary is not None:
        _summary_html(page, parts.summary, parts.model, frames)
    page.opening = len(page.body)
    bars = chart_bars(parts.tables)
    if bars:
        labels = {q.id: q.label for q in cb.questions}
        page.section("chart", "Net votes by code")
        page.add(
            "<figure>"
            + svg_chart(bars, labels, "Net votes per code, by question")
            + "<figcaption class=note>Net votes (upvotes minus downvotes) per code: the "
            "totals of each question's table, where an idea coded to several codes counts in "
            "each.</figcaption></figure>"
        )
    page.section("balance", "Balance of contributions")
    page.add(
        _table(
            BALANCE_HEADER,
            balance_rows(parts.balance, percent_sign=False),
            kinds=[TEXT, INT, INT, INT, INT, PCT],
        )
    )
    for q in cb.questions:
        if q.id in parts.tables.distinct:
            _question_html(page, project, parts, q)
    if parts.sensitivity is not None and not parts.sensitivity.empty:
        page.section("sensitivity", "Sensitivity: human-coded only against all final codes")
        s = parts.sensitivity.rename(columns=SENSITIVITY_WORDS)
        page.add(_frame_table(s))
    if parts.reliability:
        page.section("reliability", "Reliability")
        cells = [str(c) for df in parts.reliability.values() for c in df.values.ravel()]
        page.add(
            "<p class=note>"
            + (
                "In brackets: 95% bootstrap intervals."
                if any("[" in c for c in cells)
                else "No intervals: the report was built without bootstrap resamples."
            )
            + " A statistic that the data do not define (e.g. a code nobody applied) is marked "
            "undefined.</p>"
        )
        for name, df in parts.reliability.items():
            page.add(f"<h3>{esc(RELIABILITY_TITLES.get(name, name))}</h3>", _frame_table(df))
    if parts.model is not None:
        codable = parts.summary.codable if parts.summary else len(codable_ideas(project))
        _model_html(page, parts.model, codable, frames)
    page.section("profile", "Participant profile")
    page.add(
        "<p class=note>Contributors posted an idea or a comment, or voted. Answers are "
        "never joined onto contributions. Blank cells are suppressed small counts.</p>"
    )
    for question, rows in profile_blocks(parts.profile):
        page.add(
            f"<h3>{esc(question)}</h3>",
            _table(PROFILE_HEADER, rows, kinds=[TEXT, INT, PCT, INT, PCT, PCT]),
        )
    # The summary opens the page; the contents follow it.
    body = head + page.body[: page.opening] + [page.contents()] + page.body[page.opening :]
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{esc(parts.title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


# --------------------------------------------------------------------------------------------
# The workbook


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
            interval = _interval(v, lo, hi)
            said = f"95% interval {interval}" if interval and interval != NO_INTERVAL else interval
            value = UNDEFINED if v is None else round(v, 2)
            rows.append([alpha, label, value, None, f"{said}; {number(n)} ideas; {note}"])
        if s.alpha_note:
            rows.append([alpha, s.alpha_note, None, None, ""])
        for key, words in STATUS_WORDS.items():
            if key in s.statuses:
                rows.append(["Final codes", f"Ideas {words}", s.statuses[key], None, ""])
        total = sum(s.rules.values())
        for rule, n in _ordered_rules(s.rules):
            rows.append(
                [
                    "Where the final codes came from",
                    _rule_words(rule),
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
            note = f"Cohen's kappa {statistic(_float(rec['kappa']))}; {number(rec['ideas'])} ideas"
            micro = _float(rec["micro_f1"])
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
    v = _float(value)
    return UNDEFINED if v is None else round(v, 2)


def write_report(project: Project, path: Any, parts: ReportParts) -> None:
    """Write the report as HTML (``.html``) or as a workbook (``.xlsx``, summary first)."""
    from coder.tables.render import write_xlsx

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path.write_text(render_html(project, parts), encoding="utf-8")
        return
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
