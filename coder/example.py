"""The bundled example workshop and the demo that runs the main job on it.

The example is synthetic (see ``coder/data/example/README.md``): its crosstabs reproduce the
tables of the 2017 report "Building a digital ready workforce".
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from coder import export
from coder.codings import Coding, codings_of, read_codings, store_codings
from coder.codings import coders as coders_of
from coder.contributions import ingest, move_ideas, read_moves
from coder.crosstab import QUESTIONNAIRE_FILE, TOTAL, balance, crosstabs, profile
from coder.errors import ProjectError
from coder.store import DB_NAME, Project, init_project

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
) -> DemoResult:
    """The main job on the bundled example, in a project under ``out/project``.

    Ingests the example, applies the gold coding and writes the report's reproduction:
    ``crosstabs.csv``, ``balance.csv``, ``profile.csv`` and ``crosstabs.xlsx`` (from the gold
    coding). With ``full`` (the default) it then runs the whole pipeline (see
    :func:`run_pipeline`). With ``with_studio`` the coders' sample goes through a real Label
    Studio (pushed, coded through the API as the two coders, pulled back) instead of being
    imported from the bundled file. A project left in ``out/project`` by an earlier demo is
    replaced.
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
        gold = read_codings(project, example_file("gold_coding.csv"))
        store_codings(project, gold, kind="reference", reason="the example's gold coding")
        echo(f"Applied the gold coding ({len(gold)} ideas)")
        if with_studio:
            from coder.labelstudio.demo import run_studio_demo

            run_studio_demo(project, echo)
        else:
            coders = read_codings(project, example_file("coder_codings.csv"))
            store_codings(project, coders, kind="human", reason="the example coders' sample")
            echo(f"Imported the two coders' sample ({len(coders)} codings)")
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
        if full:
            result.files += run_pipeline(project, out, echo)
    return result


REVIEWER = "reviewer@example.org"
ADJUDICATOR = "adjudicator@example.org"


def run_pipeline(project: Project, out: Path, echo: Callable[[str], None] = print) -> list[Path]:
    """The rest of the job: agreement, train, suggest, a simulated review and adjudication,
    reconcile, final crosstabs and the report. Returns the files written.

    The review and the adjudication are simulated, reproducibly, from the gold coding: the
    reviewer accepts a suggestion for a frame when it equals the gold codes and rejects it
    otherwise; the adjudicator decides each queued idea as the gold coding has it.
    """
    from coder import reliability
    from coder.adjudicate import store_decisions
    from coder.reconcile import queue, reconcile
    from coder.report import build_report, write_report
    from coder.suggest import demo_suggestions, latest_model

    humans = [c for c, k in coders_of(project).items() if k == "human"]
    rel = reliability.reliability_report(reliability.from_project(project, humans), n_boot=200)
    alpha = rel.table[(rel.table["table"] == "frame") & (rel.table["statistic"] == "alpha_masi")]
    echo(
        "Agreement of the two coders (Krippendorff's alpha over code sets, MASI): "
        + ", ".join(f"{r.frame} {r.value:.2f}" for r in alpha.itertuples())
    )
    demo_suggestions(project, GOLD, echo)
    model_id = latest_model(project).model_id
    accepted, reviewed = simulate_review(project, model_id)
    echo(
        f"Simulated review: {accepted} of {reviewed} suggested frame codings accepted "
        f"({100 * accepted / max(reviewed, 1):.0f}%), the rest rejected"
    )
    reconcile(project, model_id=model_id)
    gold = codings_of(project, GOLD)
    queued = [i for i, _ in queue(project)]
    decisions = {i: gold.get(i, Coding()) for i in queued}
    store_decisions(project, decisions, ADJUDICATOR, "simulated from the gold coding")
    summary = reconcile(project, model_id=model_id)
    echo(
        f"Adjudicated {len(queued)} queued ideas; final: "
        + ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
        + "; final codes by rule: "
        + ", ".join(f"{n} {r}" for r, n in sorted(summary.rules.items()))
    )
    final = crosstabs(project, "final")
    paths = [out / "final_crosstabs.csv", out / "report.html", out / "report.xlsx"]
    export.write_csv(final.table, paths[0])
    parts = build_report(project, "final")
    for path in paths[1:]:
        write_report(project, path, parts)
    diff = crosstab_difference(crosstabs(project, GOLD).table, final.table)
    diff = diff[(diff["row"] != TOTAL) & (diff["column"] != TOTAL)]
    changed = diff[(diff["ideas_diff"] != 0) | (diff["votes_diff"] != 0)]
    echo(
        f"Final crosstabs against the gold ones: {len(changed)} of {len(diff)} cells differ "
        f"(ideas off by {int(changed['ideas_diff'].abs().sum())} in all, net votes by "
        f"{int(changed['votes_diff'].abs().sum())})"
    )
    worst = changed.reindex(changed["votes_diff"].abs().sort_values(ascending=False).index)
    for r in worst.head(5).to_dict("records"):
        where = f"{r['question']} {r['row']}" + (f" x {r['column']}" if r["column"] else "")
        echo(
            f"  {where}: ideas {r['ideas_gold']} -> {r['ideas_final']}, "
            f"votes {r['votes_gold']} -> {r['votes_final']}"
        )
    return paths


def simulate_review(project: Project, model_id: str) -> tuple[int, int]:
    """Review every suggested frame coding as if against the gold coding; return (accepted,
    reviewed)."""
    import json

    from coder.store import now

    gold = codings_of(project, GOLD)
    suggested: dict[tuple[str, str], set[str]] = {}
    for idea, frame, code, chosen in project.conn.execute(
        "SELECT s.idea_id, s.frame_id, s.code_id, s.suggested FROM suggestions s "
        "JOIN suggestion_items i ON i.idea_id = s.idea_id AND i.model_id = s.model_id "
        "WHERE s.model_id = ?",
        (model_id,),
    ):
        codes = suggested.setdefault((idea, frame), set())
        if chosen:
            codes.add(code)
    rows = []
    stamp = now()
    accepted = 0
    for (idea, frame), codes in sorted(suggested.items()):
        truth = gold.get(idea, Coding()).codes.get(frame, set())
        decision = "accept" if codes == truth else "reject"
        accepted += decision == "accept"
        rows.append(
            (
                "demo-review",
                idea,
                REVIEWER,
                frame,
                model_id,
                json.dumps(sorted(codes)),
                json.dumps(sorted(codes if decision == "accept" else truth)),
                decision,
                stamp,
                0,
            )
        )
    with project.transaction() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO studio_rounds(round_id, kind, settings, created_at) "
            "VALUES ('demo-review', 'review', '{\"simulated\": true}', ?)",
            (stamp,),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO studio_reviews(round_id, item_id, reviewer, frame_id, "
            "model_version, suggested, decided, decision, decided_at, ls_annotation_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return accepted, len(rows)


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
