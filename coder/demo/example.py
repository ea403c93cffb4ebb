"""The bundled example workshop and the demo that runs the main job on it.

The example is synthetic (see ``coder/data/example/README.md``): its crosstabs reproduce the
tables of the 2017 report "Building a digital ready workforce".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from coder.data.codings import Coding, codings_of, read_codings, store_codings
from coder.data.contributions import ingest
from coder.data.moves import move_ideas, read_moves
from coder.data.store import DB_NAME, Project, init_project
from coder.errors import ProjectError
from coder.tables import render as export
from coder.tables.crosstab import QUESTIONNAIRE_FILE, TOTAL, balance, crosstabs, profile

if TYPE_CHECKING:
    from coder.studio.review import Decision, Thresholds
    from coder.studio.sample import Assignment

GOLD = "gold"


def example_dir() -> Path:
    """The folder of the bundled example's files."""
    return Path(str(resources.files("coder") / "data" / "example"))


def example_file(name: str) -> Path:
    return example_dir() / name


@dataclass
class DemoResult:
    project: Path
    files: list[Path] = field(default_factory=list)


def run_demo(
    out: str | Path,
    echo: Callable[[str], None] = print,
    *,
    full: bool = True,
    with_studio: bool = False,
    keep_studio: bool = False,
    gold_file: Path | None = None,
) -> DemoResult:
    """The main job on the bundled example, in a project under ``out/project``.

    Ingests the example, applies the gold coding and writes the report's reproduction:
    ``crosstabs.csv``, ``balance.csv``, ``profile.csv`` and ``crosstabs.xlsx`` (from the gold
    coding). With ``full`` (the default) it then runs the whole pipeline (see
    :func:`run_pipeline`). With ``with_studio`` every coding round and the review round go
    through a real Label Studio (pushed, coded through the API as each person, pulled back);
    the server the demo started is stopped at the end unless ``keep_studio``. ``gold_file``
    replaces the bundled gold coding (a test swaps in a shuffled one to show that no decision
    reads it). A project left in ``out/project`` by an earlier demo is replaced.
    """
    out = Path(out)
    project_dir = out / "project"
    if project_dir.exists():
        if not (project_dir / DB_NAME).exists():
            raise ProjectError(
                f"{project_dir} exists and is not a coder project; choose another --out"
            )
        shutil.rmtree(project_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(project_dir)
    with init_project(project_dir) as project:
        echo(f"Created project {project_dir}")
        shutil.copyfile(example_file(QUESTIONNAIRE_FILE), project_dir / QUESTIONNAIRE_FILE)
        report = ingest(
            project,
            participants=example_file("participants.csv"),
            ideas=example_file("ideas.csv"),
            comments=example_file("comments.csv"),
            votes=example_file("votes.csv"),
        )
        echo("Ingested " + ", ".join(f"{c.inserted} {k}" for k, c in report.counts.items()))
        moved = move_ideas(project, read_moves(example_file("moves.csv")))
        echo(f"Moved {moved} ideas to the question the analysts coded them under")
        gold = read_codings(project, gold_file or example_file("gold_coding.csv"))
        store_codings(project, gold, kind="reference", reason="the example's gold coding")
        echo(f"Applied the gold coding ({len(gold)} ideas), used only for the report's tables "
             "and for scoring")  # fmt: skip
        tables = crosstabs(project, GOLD)
        bal = balance(project)
        prof = profile(project)
        paths = {
            name: out / name
            for name in ("crosstabs.csv", "balance.csv", "profile.csv", "crosstabs.xlsx")
        }
        export.write_csv(tables.table, paths["crosstabs.csv"])
        export.write_csv(bal, paths["balance.csv"])
        export.write_csv(prof, paths["profile.csv"])
        export.write_xlsx(
            project, paths["crosstabs.xlsx"], tables=tables, balance=bal, profile=prof
        )
        result.files = list(paths.values())
        if full and with_studio:
            from coder.demo.studio import studio_people

            with studio_people(project, Answers.load(project).of, echo, keep_studio) as people:
                result.files += run_pipeline(project, out, echo, people)
        elif full:
            result.files += run_pipeline(project, out, echo)
    return result


CODERS = ("alex@example.org", "sam@example.org")
REVIEWER = "rev@example.org"
CODER_ANSWERS = "coder_answers.csv"
REVIEWER_ANSWERS = "reviewer_answers.csv"
FIRST_SHARE = 0.2  # of the codable ideas, coded in the first (stratified) round
OVERLAP = 0.5  # of the first round, coded by both coders (reliability)
HUMAN_SHARE = 1 / 3  # at most this share of the codable ideas is hand-coded before the model
ROUTE_SHARE = 0.25  # the coders' budget for the model's least confident remaining ideas


class People(Protocol):
    """How the demo's simulated people do their work: directly in the store, or in a real
    Label Studio (:mod:`coder.demo.studio`). They answer from the example's answer files
    and never see the gold coding."""

    def code(self, project: Project, round_id: str, assignment: Assignment) -> int:
        """Have each coder code their items; return the codings stored."""
        ...

    def review(
        self,
        project: Project,
        round_id: str,
        suggestions: dict[str, dict[str, dict[str, float]]],
        model_id: str,
        threshold: Thresholds,
    ) -> list[Decision]:
        """Have the reviewer accept or correct the suggestions; return the decisions."""
        ...


@dataclass
class Answers:
    """The simulated people's answers (the example's answer files, never the gold coding)."""

    coders: dict[tuple[str, str], Coding]
    reviewer: dict[tuple[str, str], Coding]

    @classmethod
    def load(cls, project: Project) -> Answers:
        return cls(
            read_codings(project, example_file(CODER_ANSWERS)),
            read_codings(project, example_file(REVIEWER_ANSWERS)),
        )

    def of(self, coder: str, item: str) -> Coding:
        got = self.coders.get((item, coder)) or self.reviewer.get((item, coder))
        if got is None:
            raise ProjectError(f"the example has no answer of {coder} for {item}")
        return got


@dataclass
class LocalPeople:
    """People who work straight into the store, through the same functions a Label Studio
    pull and review pull use (no Label Studio annotation behind them)."""

    answers: Answers

    def code(self, project: Project, round_id: str, assignment: Assignment) -> int:
        codings = {
            (item, coder): self.answers.of(coder, item)
            for coder, items in assignment.items.items()
            for item in items
        }
        store_codings(project, codings, kind="human",
                      reason=f"{round_id}: the example coders' answers (simulated)")  # fmt: skip
        return len(codings)

    def review(
        self,
        project: Project,
        round_id: str,
        suggestions: dict[str, dict[str, dict[str, float]]],
        model_id: str,
        threshold: Thresholds,
    ) -> list[Decision]:
        from coder.data.store import now
        from coder.loop import spread
        from coder.studio.review import Decision, decide, store_reviews, suggested
        from coder.studio.rounds import create_round

        create_round(project, round_id, spread(sorted(suggestions), [REVIEWER]), "review",
                     {"model_version": model_id, "simulated": True})  # fmt: skip
        stamp = now()
        decisions = []
        for item, frames in sorted(suggestions.items()):
            mine = self.answers.of(REVIEWER, item)
            for frame_id, scores in sorted(frames.items()):
                frame = project.codebook.frame(frame_id)
                proposed = suggested(frame, scores, threshold)
                got = set() if mine.not_relevant_reason else mine.codes.get(frame_id, set())
                how = decide(proposed, got, mine.not_relevant_reason is not None)
                decisions.append(Decision(item, REVIEWER, frame_id, model_id,
                                          frozenset(proposed), frozenset(got), how, stamp,
                                          None))  # fmt: skip
        store_reviews(project, round_id, decisions)
        return decisions


def run_pipeline(
    project: Project,
    out: Path,
    echo: Callable[[str], None] = print,
    people: People | None = None,
    gold_name: str = GOLD,
) -> list[Path]:
    """The coding loop on the example, then the report. Returns the files written.

    Humans code a stratified sample (a share by both coders), an uncertainty round follows,
    the model is retrained and suggests codes for every remaining idea, routes its
    low-confidence ideas to the coders, and the reviewer accepts or corrects the rest; the
    reviewer adjudicates what reconciliation queues. Every decision comes from the example's
    answer files; the gold coding (coder ``gold_name``) is read only to score the result.
    """
    from coder.agreement import report as reliability
    from coder.loop import codable_ideas, first_sample, routed_ideas, spread, to_review
    from coder.reconcile.adjudicate import store_decisions
    from coder.reconcile.rules import queue, reconcile
    from coder.suggest.lookup import project_embedder
    from coder.suggest.train import train
    from coder.suggest.write import suggest
    from coder.tables.report import build_report, write_report

    answers = Answers.load(project)
    people = people or LocalPeople(answers)
    codable = codable_ideas(project)
    limit = int(len(codable) * HUMAN_SHARE)
    first = first_sample(project, round(len(codable) * FIRST_SHARE), OVERLAP, CODERS)
    n = people.code(project, "round-1", first)
    echo(
        f"Round 1: the two coders coded a stratified sample of {len(first.all_items)} of "
        f"{len(codable)} codable ideas ({len(first.shared)} by both, for reliability; {n} codings)"
    )
    rel = reliability.reliability_report(
        reliability.from_project(project, list(CODERS)), n_boot=200
    )
    alpha = rel.table[(rel.table["table"] == "frame") & (rel.table["statistic"] == "alpha_masi")]
    echo(
        f"Agreement of the two coders on the {len(first.shared)} shared ideas (Krippendorff's "
        "alpha over code sets, MASI): "
        + ", ".join(f"{r.frame} {r.value:.2f}" for r in alpha.itertuples())
    )
    embedder = project_embedder(project)
    trained = train(project, embedder)
    suggest(project, trained.model, embedder)
    from coder.suggest.sampling import sample

    picks = [p.idea_id for p in sample(project, limit - len(first.all_items), "uncertainty")]
    n = people.code(project, "round-2", spread(picks, CODERS))
    echo(
        f"Round 2 (active learning): the {len(picks)} ideas model {trained.model.model_id} was "
        f"least sure of, coded by one coder each; humans have now coded "
        f"{len(first.all_items) + len(picks)} of {len(codable)} ideas"
    )
    trained = train(project, embedder)
    model = trained.model
    done = suggest(project, model, embedder, route_share=ROUTE_SHARE)
    cv = model.cv_macro_f1()
    echo(
        f"Retrained: model {model.model_id} (cross-validated macro-F1 "
        + ", ".join(f"{f} {v:.2f}" for f, v in cv.items())
        + f"); suggested codes for the {done.ideas} remaining ideas; routed the "
        f"{done.abstained} least confident to a human (a budget of {ROUTE_SHARE:.0%})"
    )
    routed = routed_ideas(project, model.model_id)
    if routed:
        people.code(project, "routed", spread(routed, CODERS))
        echo(f"The coders coded the {len(routed)} routed ideas")
    review = to_review(project, model.model_id)
    threshold = {
        f: {c: t for c, t in cuts.items() if t is not None}
        for f, cuts in model.thresholds().items()
    }
    decisions = people.review(project, "review-1", review, model.model_id, threshold)
    counts = {k: sum(d.decision == k for d in decisions) for k in ("accept", "edit", "reject")}
    echo(
        f"Review by {REVIEWER}: {len(review)} ideas, {len(decisions)} frame suggestions: "
        f"{counts['accept']} accepted, {counts['edit']} edited, {counts['reject']} rejected"
    )
    reconcile(project, model_id=model.model_id)
    queued = [i for i, _ in queue(project)]
    decided = {i: answers.of(REVIEWER, i) for i in queued}
    store_decisions(project, decided, REVIEWER, "the example reviewer's answers (simulated)")
    summary = reconcile(project, model_id=model.model_id)
    echo(
        f"Adjudicated {len(queued)} queued ideas; final: "
        + ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
    )
    for line in scoring_lines(project, model.model_id, gold_name):
        echo(line)
    final = crosstabs(project, "final")
    paths = [out / "final_crosstabs.csv", out / "report.html", out / "report.xlsx"]
    export.write_csv(final.table, paths[0])
    parts = build_report(project, "final")
    for path in paths[1:]:
        write_report(project, path, parts)
    diff = crosstab_difference(crosstabs(project, gold_name).table, final.table)
    diff = diff[(diff["row"] != TOTAL) & (diff["column"] != TOTAL)]
    changed = diff[(diff["ideas_diff"] != 0) | (diff["votes_diff"] != 0)]
    echo(
        f"Final crosstabs against the gold ones: {len(changed)} of {len(diff)} cells differ "
        f"(ideas off by {int(changed['ideas_diff'].abs().sum())} in all, net votes by "
        f"{int(changed['votes_diff'].abs().sum())})"
    )
    return paths


# --------------------------------------------------------------------------------------------
# Scoring against the gold coding (after every decision is made)


def _indicators(coding: Coding | None, codes: Sequence[str], frame: str) -> list[int]:
    got = set() if coding is None or coding.not_relevant_reason else coding.codes.get(frame, set())
    return [int(c in got) for c in codes]


def score_against(
    project: Project, got: Mapping[str, Coding], gold: Mapping[str, Coding], ideas: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Per frame, over ``ideas`` that apply to it: ideas, micro-F1 and Cohen's kappa (pooled
    over the frame's codes) of ``got`` against ``gold``; exclusions count as no code."""
    from coder.agreement import cohen_kappa
    from coder.errors import UndefinedStatistic
    from coder.suggest.evaluate import f1_scores

    question = dict(
        project.conn.execute("SELECT idea_id, COALESCE(analysis_question, question) FROM ideas")
    )
    out = {}
    for frame in project.codebook.frames:
        codes = [c.id for c in frame.codes]
        y: list[int] = []
        p: list[int] = []
        n = 0
        for idea in ideas:
            if question[idea] not in frame.questions:
                continue
            n += 1
            y += _indicators(gold.get(idea), codes, frame.id)
            p += _indicators(got.get(idea), codes, frame.id)
        if n:
            try:
                kappa = cohen_kappa(y, p)
            except UndefinedStatistic:
                kappa = float("nan")
            micro = f1_scores(np.array([y]), np.array([p]))["micro_f1"]
            out[frame.id] = {"ideas": float(n), "micro_f1": micro, "kappa": kappa}
    return out


def scoring_lines(project: Project, model_id: str, gold_name: str = GOLD) -> list[str]:
    """The honest summary: final codes against gold by where they came from, coverage, and
    the model's own suggestions against gold on the ideas it coded."""
    from coder.loop import SOURCES, codable_ideas, final_sources, suggested_codes

    gold = codings_of(project, gold_name)
    final = codings_of(project, "final")
    sources = final_sources(project, model_id)
    codable = codable_ideas(project)
    model_coded = [i for i, s in sources.items() if s.startswith("model")]
    lines = [
        f"Coverage: the model coded {len(model_coded)} of {len(codable)} codable ideas "
        f"({100 * len(model_coded) / max(len(codable), 1):.1f}%); humans coded "
        f"{sum(1 for s in sources.values() if not s.startswith('model') and s != 'not final')}",
        f"Final codes against {gold_name}, by where they came from (micro-F1 over all codes; "
        "ideas whose final coding equals gold exactly):",
    ]
    for source in SOURCES:
        ideas = sorted(i for i, s in sources.items() if s == source and i in gold)
        if not ideas:
            continue
        tp_f1 = _pooled_f1(project, final, gold, ideas)
        exact = sum(_same(final.get(i), gold[i]) for i in ideas)
        lines.append(
            f"  {source:<18} {len(ideas):>4} ideas  micro-F1 {tp_f1:.2f}  exact "
            f"{exact}/{len(ideas)} ({100 * exact / len(ideas):.1f}%)"
        )
    model = suggested_codes(project, model_id)
    as_codings = {i: Coding({f: set(c) for f, c in fr.items()}) for i, fr in model.items()}
    lines.append(
        f"The model's own suggestions against {gold_name} on the {len(model_coded)} ideas it "
        "coded (before review):"
    )
    for frame, s in score_against(project, as_codings, gold, model_coded).items():
        lines.append(
            f"  {frame}: {int(s['ideas'])} ideas, micro-F1 {s['micro_f1']:.2f}, kappa "
            + ("undefined" if np.isnan(s["kappa"]) else f"{s['kappa']:.2f}")
        )
    accepted = [i for i in model_coded if sources[i] == "model accepted"]
    lines.append(f"Of those, accepted by the reviewer as suggested: {len(accepted)} ideas")
    return lines


def _pooled_f1(
    project: Project, got: Mapping[str, Coding], gold: Mapping[str, Coding], ideas: Sequence[str]
) -> float:
    tp = fp = fn = 0
    for idea in ideas:
        a, b = _code_set(got.get(idea)), _code_set(gold.get(idea))
        tp += len(a & b)
        fp += len(a - b)
        fn += len(b - a)
    return 2 * tp / max(2 * tp + fp + fn, 1)


def _code_set(coding: Coding | None) -> set[tuple[str, str]]:
    if coding is None:
        return set()
    if coding.not_relevant_reason is not None:
        return {("", "not_relevant")}
    return {(f, c) for f, codes in coding.codes.items() for c in codes}


def _same(a: Coding | None, b: Coding | None) -> bool:
    return _code_set(a) == _code_set(b)


def crosstab_difference(gold: pd.DataFrame, final: pd.DataFrame) -> pd.DataFrame:
    """Cell by cell: ideas and net votes in the gold and the final crosstabs, and the change."""
    keys = ["question", "row", "column"]
    merged = gold[[*keys, "ideas", "net_votes"]].merge(
        final[[*keys, "ideas", "net_votes"]], on=keys, suffixes=("_gold", "_final")
    )
    merged = merged.rename(
        columns={"net_votes_gold": "votes_gold", "net_votes_final": "votes_final"}
    )
    merged["ideas_diff"] = merged["ideas_final"] - merged["ideas_gold"]
    merged["votes_diff"] = merged["votes_final"] - merged["votes_gold"]
    return merged
