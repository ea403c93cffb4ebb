"""The demo's coding loop: realistic proportions, every decision blind to the gold coding.

The demo runs twice, once with the bundled gold coding and once with a gold coding shuffled
between ideas of the same question. Every decision (who coded what, the models' suggestions
and routing, the reviews, the adjudications and the final codes) must be the same; only the
scores against gold may move.
"""

from __future__ import annotations

import csv
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from coder.data.store import open_project
from coder.demo.example import CODERS, REVIEWER, example_file, run_demo
from coder.loop import codable_ideas, final_sources


def _shuffled_gold(path: Path) -> Path:
    question = {
        r["idea_id"]: r["question"] for r in csv.DictReader(example_file("ideas.csv").open())
    }
    for r in csv.DictReader(example_file("moves.csv").open()):
        question[r["idea_id"]] = r["to_question"]
    rows = list(csv.DictReader(example_file("gold_coding.csv").open()))
    ideas = sorted({r["idea_id"] for r in rows})
    rng = random.Random(7)
    mapping: dict[str, str] = {}
    for q in sorted({question[i] for i in ideas}):
        group = [i for i in ideas if question[i] == q]
        moved = group[:]
        rng.shuffle(moved)
        mapping.update(zip(group, moved, strict=True))
    assert sum(a != b for a, b in mapping.items()) > 100
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({**r, "idea_id": mapping[r["idea_id"]]})
    return path


def _decisions(project_dir: Path) -> dict[str, Any]:
    db = sqlite3.connect(project_dir / "coder.db")

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return sorted(db.execute(sql).fetchall(), key=repr)

    return {
        "codings": rows(
            "SELECT k.idea_id, k.coder_id, k.not_relevant_reason, c.kind FROM codings k "
            "JOIN coders c USING (coder_id) WHERE c.kind IN ('human', 'final')"
        ),
        "codes": rows(
            "SELECT x.idea_id, x.coder_id, x.frame_id, x.code_id FROM coding_codes x "
            "JOIN coders c USING (coder_id) WHERE c.kind IN ('human', 'final')"
        ),
        "suggested": rows(
            "SELECT s.idea_id, s.frame_id, s.code_id, s.suggested, round(s.score, 6), m.rank "
            "FROM suggestions s JOIN (SELECT model_id, rowid AS rank FROM models) m USING "
            "(model_id)"
        ),
        "routed": rows("SELECT idea_id, abstained FROM suggestion_items"),
        "reviews": rows(
            "SELECT item_id, reviewer, frame_id, suggested, decided, decision FROM studio_reviews"
        ),
        "adjudications": rows(
            "SELECT a.idea_id, a.adjudicator, a.not_relevant_reason, c.frame_id, c.code_id "
            "FROM adjudications a LEFT JOIN adjudication_codes c USING (idea_id)"
        ),
        "provenance": rows("SELECT idea_id, frame_id, code_id, rule FROM final_provenance"),
        "status": rows("SELECT idea_id, status FROM final_status"),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str], list[str]]:
    base = tmp_path_factory.mktemp("loop")
    real: list[str] = []
    fake: list[str] = []
    run_demo(base / "real", echo=real.append)
    run_demo(base / "shuffled", echo=fake.append, gold_file=_shuffled_gold(base / "gold.csv"))
    return base / "real" / "project", base / "shuffled" / "project", real, fake


def test_no_decision_reads_the_gold_coding(runs: tuple[Path, Path, list[str], list[str]]) -> None:
    real, shuffled, real_lines, fake_lines = runs
    a, b = _decisions(real), _decisions(shuffled)
    for key in a:
        assert a[key] == b[key], key
    assert all(a[k] for k in a), "every kind of decision happened"
    scored = [line for line in real_lines if "micro-F1" in line or "cells differ" in line]
    assert scored and scored != [
        line for line in fake_lines if "micro-F1" in line or "cells differ" in line
    ]


def test_the_loop_runs_at_realistic_proportions(
    runs: tuple[Path, Path, list[str], list[str]],
) -> None:
    real, _, lines, _ = runs
    with open_project(real) as project:
        codable = codable_ideas(project)
        rounds = dict(project.conn.execute("SELECT round_id, kind FROM studio_rounds"))
        assert rounds == {"review-1": "review"}
        first = {
            i
            for (i,) in project.conn.execute(
                "SELECT DISTINCT idea_id FROM audit_log WHERE action = 'import' AND reason "
                "LIKE 'round-%'"
            )
        }
        assert 0 < len(first) <= len(codable) / 3
        shared = project.conn.execute(
            "SELECT COUNT(*) FROM (SELECT idea_id FROM codings WHERE coder_id IN (?, ?) "
            "GROUP BY idea_id HAVING COUNT(*) = 2)",
            CODERS,
        ).fetchone()[0]
        assert shared >= 10
        sources = final_sources(project, _latest(project))
        counts = {s: list(sources.values()).count(s) for s in set(sources.values())}
        model = counts.get("model accepted", 0) + counts.get("model corrected", 0)
        assert model >= len(codable) / 3, counts
        assert counts.get("routed to a human", 0) > 0
        reviewers = {r for (r,) in project.conn.execute("SELECT reviewer FROM studio_reviews")}
        assert reviewers == {REVIEWER}
        assert (
            project.conn.execute(
                "SELECT COUNT(*) FROM studio_reviews WHERE ls_annotation_id IS NOT NULL"
            ).fetchone()[0]
            == 0
        )  # simulated: no made-up Label Studio ids
    assert any(line.startswith("Coverage: the model coded") for line in lines)
    for source in ("humans agreed", "routed to a human", "model accepted", "model corrected"):
        assert any(line.strip().startswith(source) for line in lines), source


def _latest(project: Any) -> str:
    from coder.data.queries import latest_model_id

    model = latest_model_id(project)
    assert model is not None
    return model


def test_status_says_where_the_project_stands(
    runs: tuple[Path, Path, list[str], list[str]], tmp_path: Path
) -> None:
    import json

    from click.testing import CliRunner

    from coder.cli.main import main

    runner = CliRunner()
    real = runs[0]
    out = runner.invoke(main, ["status", str(real), "--format", "json"])
    assert out.exit_code == 0, out.output
    st = json.loads(out.output)
    with open_project(real) as project:
        sources = final_sources(project, _latest(project))
        humans = project.conn.execute(
            "SELECT COUNT(DISTINCT idea_id) FROM codings k JOIN coders c USING (coder_id) "
            "WHERE c.kind = 'human'"
        ).fetchone()[0]
    assert st["coded by humans"] == f"{humans} of {len(sources)}"
    assert st["final: model accepted"] == list(sources.values()).count("model accepted")
    assert st["model suggestions pending review"] == 0
    assert "reliability, literacy (Krippendorff's alpha, MASI)" in st
    assert st["next step"].startswith("reconcile and report")
    fresh = tmp_path / "fresh"
    steps = [
        (["init", str(fresh)], None),
        (["ingest", str(fresh), f"--ideas={example_file('ideas.csv')}",
          f"--participants={example_file('participants.csv')}"], None),
        (["move", str(fresh), "--file", str(example_file("moves.csv"))], None),
        (["status", str(fresh)], "code a first sample"),
        (["codings", "import", str(fresh), str(example_file("coder_codings.csv"))], None),
        (["status", str(fresh)], "coder train"),
    ]  # fmt: skip
    for args, expected in steps:
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        if expected:
            assert expected in result.output


def test_next_round_deals_uncertain_or_routed_ideas(
    runs: tuple[Path, Path, list[str], list[str]],
) -> None:
    from coder.errors import CoderError
    from coder.loop import next_round, spread

    a = spread(["i1", "i2", "i3", "i4", "i5"], ["ann", "bob"])
    assert a.items == {"ann": ("i1", "i3", "i5"), "bob": ("i2", "i4")} and not a.shared
    with open_project(runs[0]) as project:
        # The finished demo: every idea is final, every routed idea was coded.
        with pytest.raises(CoderError, match="no idea left"):
            next_round(project, list(CODERS), 0, "routed")
        with pytest.raises(CoderError, match="nothing to sample"):
            next_round(project, list(CODERS), 6, "uncertainty")
