"""Code trees: a codebook's codes with child codes, imports by `parent->child` path, roll-ups
to a level in agreement and crosstabs, and nested choices in Label Studio configs."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from coder.agreement.codingset import CodingSet, from_long_table
from coder.agreement.levels import at_level, depth
from coder.agreement.report import reliability_report
from coder.cli.main import main as cli
from coder.data.codebook import Codebook, load_codebook, parse_codebook
from coder.data.codetree import LevelError, ancestor_at, codes_at, roll_up, tree_from_paths
from coder.data.codings import Coding
from coder.data.contributions import ingest
from coder.data.store import init_project
from coder.errors import CodebookError
from coder.studio.config import labeling_config, parse_result, validate_config, view_for
from coder.tables.crosstab import TOTAL, crosstabs_from
from tests.conftest import write_csv

EXAM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "exam_proctoring_two_coders"

TREE: dict[str, Any] = {
    "id": "tree",
    "title": "A tree",
    "questions": [{"id": "Q", "label": "Question"}],
    "frames": [
        {
            "id": "why",
            "label": "Why",
            "selection": "multiple",
            "questions": ["Q"],
            "codes": [
                {
                    "id": "cheating",
                    "label": "Cheating",
                    "codes": [
                        {
                            "id": "reduce",
                            "label": "Reduce cheating",
                            "codes": [{"id": "cheating->reduce->deter", "label": "Deter"}],
                        },
                        {"id": "caught", "label": "Caught students"},
                    ],
                },
                {"id": "covid", "label": "Covid", "definition": "The pandemic."},
            ],
        }
    ],
}


def tree_codebook() -> Codebook:
    return parse_codebook(TREE)


def with_codes(codes: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(TREE))
    data["frames"][0]["codes"] = codes
    return data


# --------------------------------------------------------------------------------------------
# The codebook


def test_yaml_tree_to_depth_three_loads_with_parents_paths_and_depths(tmp_path: Path) -> None:
    path = tmp_path / "tree.yaml"
    path.write_text(yaml.safe_dump(TREE), encoding="utf-8")
    frame = load_codebook(path).frame("why")
    assert [(c.id, c.parent, c.path, c.depth) for c in frame.codes] == [
        ("cheating", "", "cheating", 1),
        ("reduce", "cheating", "cheating->reduce", 2),
        ("deter", "reduce", "cheating->reduce->deter", 3),
        ("caught", "cheating", "cheating->caught", 2),
        ("covid", "", "covid", 1),
    ]
    assert frame.depth == 3
    assert [c.id for c in frame.children()] == ["cheating", "covid"]
    assert [c.id for c in frame.children("cheating")] == ["reduce", "caught"]
    # ids, labels and paths (spaces around -> ignored) all resolve
    for given in ("deter", "Deter", "cheating->reduce->deter", "Cheating -> Reduce -> Deter"):
        assert frame.resolve(given) == "deter"
    assert frame.resolve("covid->deter") is None
    # the tree survives a round trip through YAML, and its hash differs from a flat one
    again = parse_codebook(yaml.safe_load(load_codebook(path).to_yaml()))
    assert again.frame("why").codes == frame.codes
    flat = with_codes([{"id": c.id, "label": c.label} for c in frame.codes])
    assert parse_codebook(flat).hash != again.hash


def test_flat_codebook_is_a_tree_of_depth_one_with_its_hash_unchanged() -> None:
    cb = load_codebook()
    assert all(c.depth == 1 and c.parent == "" for f in cb.frames for c in f.codes)
    assert "codes" not in str([c for f in cb.to_dict()["frames"] for c in f["codes"]])


@pytest.mark.parametrize(
    ("codes", "says"),
    [
        (
            [{"id": "a", "label": "A", "codes": [{"id": "a", "label": "A again"}]}],
            "the code id 'a' twice",
        ),
        (
            [
                {"id": "a", "label": "A", "codes": [{"id": "x", "label": "X1"}]},
                {"id": "b", "label": "B", "codes": [{"id": "x", "label": "X2"}]},
            ],
            "the code id 'x' twice",
        ),
        (
            [{"id": "a", "label": "A", "codes": [{"id": "not_relevant", "label": "N"}]}],
            "reserved 'not_relevant'",
        ),
        (
            [{"id": "a", "label": "A", "codes": [{"id": "b->c", "label": "C"}]}],
            "a path under 'a'",
        ),
        ([{"id": "a", "label": "A", "codes": "b"}], "a non-empty list"),
    ],
)
def test_bad_trees_give_a_clear_codebook_error(codes: list[dict[str, Any]], says: str) -> None:
    with pytest.raises(CodebookError) as err:
        parse_codebook(with_codes(codes))
    assert says in str(err.value)
    assert "frames[0].codes" in str(err.value)


# --------------------------------------------------------------------------------------------
# Roll-up


def test_roll_up_at_each_level() -> None:
    frame = tree_codebook().frame("why")
    coded = {"deter", "caught", "covid"}
    assert roll_up(coded, frame, 1) == {"cheating", "covid"}
    assert roll_up(coded, frame, 2) == {"reduce", "caught", "covid"}
    assert roll_up(coded, frame, 3) == coded
    assert roll_up(coded, frame, 9) == coded
    assert roll_up({"cheating"}, frame, 2) == {"cheating"}  # a parent coded alone stays
    assert ancestor_at("deter", frame, 2) == "reduce"
    assert codes_at([c.id for c in frame.codes], frame, 2) == [
        "cheating", "reduce", "caught", "covid"
    ]  # fmt: skip
    with pytest.raises(LevelError, match="--level 1"):
        roll_up(coded, frame, 0)


def test_tree_inferred_from_path_names() -> None:
    tree = tree_from_paths(["x->y->z", "x", "w"])
    assert tree == {"x": "", "x->y": "x", "x->y->z": "x->y", "w": ""}
    assert roll_up({"x->y->z", "w"}, tree, 1) == {"x", "w"}
    assert roll_up({"x->y->z"}, tree, 2) == {"x->y"}


# --------------------------------------------------------------------------------------------
# Imports and agreement


def write_codings(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    pd.DataFrame(rows, columns=["item_id", "coder", "frame", "code"]).to_csv(path, index=False)
    return path


CODED = [
    ("i1", "ann", "why", "cheating->reduce->deter"),  # a path
    ("i1", "bob", "why", "caught"),  # a bare child id
    ("i2", "ann", "why", "Covid"),  # a label
    ("i2", "bob", "why", "covid"),
    ("i3", "ann", "why", "cheating"),  # a parent alone is a valid coding
    ("i3", "bob", "why", "reduce"),
    ("i4", "ann", "why", "caught"),
    ("i4", "bob", "why", "covid"),
    ("i5", "ann", "why", "reduce"),
    ("i5", "bob", "why", "deter"),
]


def test_import_by_path_or_bare_child_id(tmp_path: Path) -> None:
    cs = from_long_table(write_codings(tmp_path / "c.csv", CODED), tree_codebook())
    assert cs.codings["ann"]["i1"].codes == {"why": {"deter"}}
    assert cs.codings["bob"]["i1"].codes == {"why": {"caught"}}
    assert cs.frames["why"] == ["cheating", "reduce", "deter", "caught", "covid"]


def test_unknown_path_is_reported_with_close_matches(tmp_path: Path) -> None:
    from coder.data.codings_file import CodingsFileError

    rows = [*CODED, ("i6", "ann", "why", "cheating->reduse")]
    with pytest.raises(CodingsFileError) as err:
        from_long_table(write_codings(tmp_path / "c.csv", rows), tree_codebook())
    text = str(err.value)
    assert "'cheating->reduse'" in text and "did you mean 'cheating->reduce'" in text


def hand_rolled(cs: CodingSet, parent_of: dict[str, str]) -> CodingSet:
    """The codings with each code replaced by its top-level ancestor, by hand."""

    def top(code: str) -> str:
        while parent_of.get(code):
            code = parent_of[code]
        return code

    codings = {
        coder: {
            i: Coding({f: {top(c) for c in s} for f, s in c.codes.items()})
            for i, c in items.items()
        }
        for coder, items in cs.codings.items()
    }
    return CodingSet(codings, {"why": ["cheating", "covid"]}, labels=cs.labels)


def statistic(table: pd.DataFrame, code: str, name: str) -> float:
    row = table[(table["table"] == "code") & (table["code"] == code)
                & (table["statistic"] == name)]  # fmt: skip
    return float(row["value"].item())


def test_agreement_at_level_one_equals_agreement_on_hand_rolled_codings(tmp_path: Path) -> None:
    cb = tree_codebook()
    cs = from_long_table(write_codings(tmp_path / "c.csv", CODED), cb)
    rolled = at_level(cs, 1, cb)
    assert rolled.frames == {"why": ["cheating", "covid"]}
    assert rolled.codings["ann"]["i1"].codes == {"why": {"cheating"}}
    by_hand = hand_rolled(cs, cb.frame("why").parents())
    assert rolled.codings == by_hand.codings
    ours = reliability_report(rolled, n_boot=0).table
    theirs = reliability_report(by_hand, n_boot=0).table
    pd.testing.assert_frame_equal(ours, theirs)
    # at level 1 the coders agree on cheating on every item but i4 (caught vs covid)
    assert statistic(ours, "Cheating", "percent_agreement") == pytest.approx(4 / 5)
    assert depth(cs, cb) == 3


def test_cli_level_without_a_codebook_reads_the_tree_from_the_names(tmp_path: Path) -> None:
    rows = [
        ("i1", "ann", "f", "a->x"),
        ("i1", "bob", "f", "a->y"),
        ("i2", "ann", "f", "b"),
        ("i2", "bob", "f", "b"),
        ("i3", "ann", "f", "a"),
        ("i3", "bob", "f", "b->z"),
    ]
    path = write_codings(tmp_path / "c.csv", rows)
    run = CliRunner().invoke(cli, ["agreement", "--input", str(path), "--level", "1",
                                   "--n-boot", "0", "--format", "csv"])  # fmt: skip
    assert run.exit_code == 0, run.output
    out = pd.read_csv(io.StringIO(run.stdout))
    assert sorted(set(out[out["table"] == "code"]["code"])) == ["a", "b"]
    # a: ann has it on i1 and i3, bob on i1 only; b: both on i2, bob only on i3
    assert statistic(out, "a", "percent_agreement") == pytest.approx(2 / 3)
    assert statistic(out, "b", "percent_agreement") == pytest.approx(2 / 3)
    bad = CliRunner().invoke(cli, ["agreement", "--input", str(path), "--level", "0"])
    assert bad.exit_code == 2


# --------------------------------------------------------------------------------------------
# Crosstabs


def test_crosstab_at_level_one_counts_an_item_once_per_parent(tmp_path: Path) -> None:
    cb_path = tmp_path / "tree.yaml"
    cb_path.write_text(yaml.safe_dump(TREE), encoding="utf-8")
    project = init_project(tmp_path / "p", cb_path)
    ideas: list[dict[str, object]] = [
        {"idea_id": i, "question": "Q", "text": "t", "author_id": "a"} for i in "abc"
    ]
    comments: list[dict[str, object]] = [
        {"comment_id": "c1", "idea_id": "a", "text": "ok", "author_id": "u"}
    ]
    votes = [("v1", "a", 1), ("v2", "a", 1), ("v3", "a", -1),  # a: +1
             ("v1", "b", 1), ("v2", "b", 1),  # b: +2
             ("v1", "c", -1), ("v2", "c1", 1)]  # fmt: skip  # c: -1; a comment vote not counted
    ingest(
        project,
        ideas=write_csv(tmp_path / "ideas.csv", ideas),
        comments=write_csv(tmp_path / "comments.csv", comments),
        votes=write_csv(tmp_path / "votes.csv",
                        [{"voter_id": v, "target_id": t, "value": f"{x:+d}"} for v, t, x in votes]),
    )  # fmt: skip
    codings = {
        "a": Coding({"why": {"deter", "caught"}}),  # two codes under cheating: counted once
        "b": Coding({"why": {"cheating", "covid"}}),
        "c": Coding({"why": {"reduce"}}),
    }
    with project:
        top = crosstabs_from(project, codings, level=1).table.set_index("row")
        full = crosstabs_from(project, codings).table.set_index("row")
    # by hand: cheating <- a (+1), b (+2), c (-1): 3 ideas, net +2; covid <- b: 1 idea, +2
    counts = {str(row): [int(n), int(v)] for row, n, v in
              zip(top.index, top["ideas"], top["net_votes"], strict=True)}  # fmt: skip
    assert counts == {"Cheating": [3, 2], "Covid": [1, 2], TOTAL: [4, 4]}
    assert list(top.index) == ["Cheating", "Covid", TOTAL]
    # at full depth each code counts as coded
    assert full.loc["Cheating", "ideas"] == 1 and full.loc["Deter", "ideas"] == 1
    assert list(full.index)[:5] == ["Cheating", "Reduce cheating", "Deter", "Caught students",
                                    "Covid"]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Label Studio


def test_label_studio_config_nests_choices_and_maps_a_nested_choice_back() -> None:
    view = view_for(tree_codebook(), "Q")
    xml = labeling_config(view)
    validate_config(xml)
    assert 'allowNested="true"' in xml
    assert xml.index('<Choice value="Cheating"') < xml.index('<Choice value="Deter"')
    assert xml.index('<Choice value="Deter"') < xml.index("</Choice>")
    problems: list[tuple[Any, ...]] = []
    result = [
        {"from_name": "why", "to_name": "_text", "type": "choices",
         "value": {"choices": [["Cheating", "Reduce cheating", "Deter"], "Covid"]}},
    ]  # fmt: skip
    parsed = parse_result(view, result, "task 1", lambda *a: problems.append(a))
    assert parsed.codes == {"why": {"deter", "covid"}} and not problems


def test_flat_codebook_config_has_no_nesting() -> None:
    cb = load_codebook()
    xml = labeling_config(view_for(cb, cb.questions[0].id))
    assert "allowNested" not in xml and "</Choice>" not in xml


# --------------------------------------------------------------------------------------------
# Real data: Balash et al., "Educators' Perspectives of Using (or Not Using) Online Exam
# Proctoring", USENIX Security 2023; two coders, hierarchical `parent->child` codes.


def exam_rows() -> list[dict[str, str]]:
    """The rows of coded_long.csv as texts ("NA" is a real code)."""
    data = pd.read_csv(EXAM / "coded_long.csv", keep_default_na=False, dtype=str)
    return [{str(k): str(v) for k, v in row.items()} for row in data.to_dict("records")]


@pytest.fixture(scope="module")
def exam_codings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [
        (f"{r['question_id']}/{r['response_id']}", r["coder"], r["question_id"], code.strip())
        for r in exam_rows()
        for code in r["codes"].split("|")
        if code.strip()
    ]
    return write_codings(tmp_path_factory.mktemp("exam") / "codings.csv", rows)


def test_exam_proctoring_agreement_at_two_levels(exam_codings: Path) -> None:
    cs = from_long_table(exam_codings)
    assert depth(cs) == 3
    top = at_level(cs, 1)
    # the authors' top_codes column is the level-1 roll-up of their codes
    coded = [r for r in exam_rows() if r["codes"]]
    # one response is in two workbooks (Q5, primary): its two rows are one item, so skip it
    keys = Counter((r["question_id"], r["response_id"], r["coder"]) for r in coded)
    for r in coded:
        if keys[(r["question_id"], r["response_id"], r["coder"])] > 1:
            continue
        item = top.codings[r["coder"]][f"{r['question_id']}/{r['response_id']}"]
        assert item.codes[r["question_id"]] == set(r["top_codes"].split("|"))
    assert all("->" not in c for codes in top.frames.values() for c in codes)
    full = reliability_report(cs, n_boot=0).table
    rolled = reliability_report(top, n_boot=0).table

    def overall(table: pd.DataFrame) -> float:
        row = table[(table["table"] == "headline") & (table["frame"] == "(all frames)")
                    & (table["statistic"].str.contains("alpha"))]  # fmt: skip
        return float(row["value"].item())

    assert overall(full) == pytest.approx(0.822, abs=5e-4)
    assert overall(rolled) == pytest.approx(0.852, abs=5e-4)
    runner = CliRunner()
    for extra in ([], ["--level", "1"]):
        run = runner.invoke(cli, ["agreement", "--input", str(exam_codings), "--n-boot", "0",
                                  *extra])  # fmt: skip
        assert run.exit_code == 0, run.output
    assert "rolled up to level 1 of 3" in run.output
