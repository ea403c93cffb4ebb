"""The model as a coder, scored fairly: only the items and codes it decided, out of fold on the
items humans coded, with its coverage beside the statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from coder import agreement as ag
from coder.agreement.codingset import CodingSet, Scope
from coder.agreement.compare import project_codings
from coder.agreement.model import FrameDecisions, ModelDecisions, add_decisions
from coder.agreement.report import reliability_report
from coder.cli.main import main
from coder.data.codings import Coding, codings_of
from coder.data.store import Project
from coder.suggest.train import train
from coder.suggest.write import suggest
from tests.test_suggest import FakeEmbedder, make_project


def rows_of(df: pd.DataFrame, **where: str) -> pd.DataFrame:
    for k, v in where.items():
        df = df[df[k] == v]
    return df


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A project (ann codes 60 ideas, bob every other one) and its model, trained with a fake
    embedder; "parking" has too few examples to be trained."""
    tmp = tmp_path_factory.mktemp("model")
    with make_project(tmp) as project:
        folder = train(project, FakeEmbedder()).folder
    yield tmp / "proj", folder


def test_model_rows_are_out_of_fold_and_skip_untrained_codes(trained: tuple[Path, Path]) -> None:
    project_dir, folder = trained
    result = CliRunner().invoke(
        main, ["agreement", str(project_dir), "--n-boot", "0", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    t = pd.DataFrame(json.loads(result.stdout))
    model_id = folder.name
    assert set(rows_of(t, table="model")["coder_a"]) == {model_id}
    # An independent computation from the folder's files: out-of-fold decisions vs ann.
    config = json.loads((folder / "config.json").read_text())
    codes = config["frames"]["topic"]["codes"]
    with np.load(folder / "head.npz", allow_pickle=False) as npz:
        ideas = [str(i) for i in npz["_oof.topic.ideas"]]
        decisions = npz["_oof.topic.decisions"]
        if "_oof.topic.confidence" in npz.files:  # items below the threshold were routed
            threshold = config["heads"]["topic"]["params"]["abstain_below"]
            keep = npz["_oof.topic.confidence"] >= threshold
            ideas, decisions = [i for i, k in zip(ideas, keep, strict=True) if k], decisions[keep]
    from coder.data.store import open_project

    with open_project(project_dir) as project:
        ann = codings_of(project, "ann")
    both = [i for i in ideas if i in ann]
    assert both and len(both) <= len(ann)
    j = codes.index("records")
    model = [int(decisions[ideas.index(i), j]) for i in both]
    human = [int("records" in ann[i].codes.get("topic", ())) for i in both]
    kappa = rows_of(t, table="model", coder_b="ann", code="Records", statistic="cohen_kappa")
    assert kappa["value"].item() == pytest.approx(ag.cohen_kappa(model, human))
    assert kappa["items"].item() == len(both)
    # The rare code is not scored (never "absent"), and coverage says so.
    parking = rows_of(t, table="model", coder_b="ann", code="Parking")
    assert parking["value"].isna().all() and (parking["items"] == 0).all()
    assert parking["note"].str.startswith("not scored: not enough examples").all()
    codes_decided = rows_of(t, table="coverage", frame="topic", statistic="codes_decided")
    assert codes_decided["value"].item() == pytest.approx((len(codes) - 1) / len(codes))
    assert "Parking: not enough examples" in codes_decided["note"].item()
    items_decided = rows_of(t, table="coverage", frame="topic", statistic="items_decided")
    assert items_decided["items"].item() == len(both)
    assert items_decided["value"].item() == pytest.approx(len(both) / len(ann))
    # Set-level alpha compares the decided codes only.
    masi = rows_of(t, table="model", coder_b="ann", frame="topic", statistic="alpha_masi")
    assert masi["note"].item().startswith(f"over the {len(codes) - 1} of {len(codes)} codes")
    text = CliRunner().invoke(main, ["agreement", str(project_dir), "--n-boot", "0"]).stdout
    assert "out-of-fold decisions" in text and "not scored" in text


def test_out_of_fold_items_below_the_threshold_are_routed_not_scored() -> None:
    codings = {h: {str(i): Coding({"t": {"a"}}) for i in range(4)} for h in ("x", "y")}
    cs = CodingSet(codings, {"t": ["a", "b"]})
    decisions = np.array([[1, 0], [0, 1], [1, 0], [1, 0]])
    frame = FrameDecisions(["0", "1", "2", "3"], ["a", "b"], decisions,
                           confidence=np.array([0.9, 0.3, 0.8, 0.6]), threshold=0.5)  # fmt: skip
    add_decisions(cs, ModelDecisions("m", {"t": frame}))
    assert cs.scopes["m"].items["t"] == {"0", "2", "3"}
    assert "routed to a human" in cs.scopes["m"].source
    t = reliability_report(cs, "m", n_boot=0).table
    assert rows_of(t, table="coverage", statistic="items_decided")["items"].item() == 3
    agreement_a = rows_of(t, table="model", coder_b="x", code="a", statistic="percent_agreement")
    assert agreement_a["value"].item() == 1.0  # item 1, where the model said "b", was routed
    unrouted = FrameDecisions(["0", "1"], ["a", "b"], decisions[:2])
    assert "none is routed" in ModelDecisions("m", {"t": unrouted}).source


def test_an_abstention_is_left_out_not_scored_as_absent() -> None:
    def coded(*codes: str) -> dict[str, Coding]:
        return {str(i): Coding({"t": {c}} if c else {}) for i, c in enumerate(codes, 1)}

    # m saw item 4 but did not decide it (routed to a human): its empty coding is no answer.
    codings = {"x": coded("a", "a", "b", "a"), "y": coded("a", "b", "b", "a"),
               "m": coded("a", "a", "b", "")}  # fmt: skip
    frames = {"t": ["a", "b", "c"]}
    scope = Scope({"t": {"1", "2", "3"}}, {"t": {"c": "not enough examples"}}, "test")
    fair = reliability_report(CodingSet(codings, frames, scopes={"m": scope}), "m", n_boot=0)
    unfair = reliability_report(CodingSet(codings, frames), "m", n_boot=0)

    def kappa(report_table: pd.DataFrame, code: str) -> float:
        r = rows_of(report_table, table="model", coder_b="x", code=code, statistic="cohen_kappa")
        return float(r["value"].item())

    # Item 4 was not decided: only items 1-3 count.
    assert kappa(fair.table, "a") == pytest.approx(ag.cohen_kappa([1, 1, 0], [1, 1, 0]))
    assert kappa(unfair.table, "a") == pytest.approx(ag.cohen_kappa([1, 1, 0, 0], [1, 1, 0, 1]))
    not_scored = rows_of(fair.table, table="model", code="c")
    assert not_scored["value"].isna().all()
    assert set(not_scored["note"]) == {"not scored: not enough examples"}
    sets = rows_of(fair.table, table="model", coder_b="x", statistic="alpha_masi")
    expected = ag.krippendorff_alpha_sets(
        [[{"a"}, {"a"}, {"b"}], [{"a"}, {"a"}, {"b"}]], distance="masi"
    )
    assert sets["value"].item() == pytest.approx(expected)
    coverage = rows_of(fair.table, table="coverage", statistic="items_decided")
    assert coverage["value"].item() == pytest.approx(3 / 4)
    assert coverage["items"].item() == 3


def test_stored_suggestions_leave_routed_items_and_untrained_codes_out(tmp_path: Path) -> None:
    with make_project(tmp_path) as project:
        embedder = FakeEmbedder()
        model = train(project, embedder).model
        suggest(project, model, embedder, all_ideas_too=True)
        with project.transaction() as conn:  # route a few ideas to a human, as suggest may
            conn.execute(
                "UPDATE suggestion_items SET abstained = 1 WHERE idea_id IN "
                "('idea-001', 'idea-002', 'idea-003', 'idea-070')"
            )
        cs, coder = project_codings(project)
        assert coder == model.model_id
        scope = cs.scopes[coder]
        routed = _routed(project, coder)
        assert routed
        assert not routed & scope.items["topic"]
        assert scope.not_scored["topic"]["parking"] == "not enough examples"
        assert "stored suggestions" in scope.source
        report = reliability_report(cs, coder, n_boot=0)
    items = rows_of(report.table, table="coverage", frame="topic", statistic="items_decided")
    humans = {i for h in ("ann", "bob") for i in cs.codings[h]}
    assert items["items"].item() == len(humans - routed)


def _routed(project: Project, model_id: str) -> set[str]:
    rows = project.conn.execute(
        "SELECT idea_id FROM suggestion_items WHERE model_id = ? AND abstained = 1", (model_id,)
    )
    return {str(r[0]) for r in rows}


def test_a_model_in_a_file_is_scored_on_the_items_it_has(tmp_path: Path) -> None:
    rows = ["item_id,coder,frame,code"]
    for i in range(1, 9):
        rows += [f"{i},x,t,{'a' if i % 2 else 'b'}", f"{i},y,t,{'a' if i % 3 else 'b'}"]
        if i <= 6:
            rows.append(f"{i},m,t,{'a' if i % 2 else 'b'}")
    path = tmp_path / "m.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["agreement", "--input", str(path), "--model", "m", "--n-boot", "0", "--format",
               "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    t = pd.DataFrame(json.loads(result.stdout))
    items = rows_of(t, table="coverage", statistic="items_decided")
    assert items["value"].item() == pytest.approx(6 / 8)
    kappa = rows_of(t, table="model", coder_b="x", code="a", statistic="cohen_kappa")
    assert kappa["items"].item() == 6
