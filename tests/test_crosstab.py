"""Crosstab definitions and invariants (cells sum to totals; votes weight by codes)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.data.codings import Coding, store_codings
from coder.data.contributions import ingest
from coder.data.moves import move_ideas
from coder.data.store import Project, init_project
from coder.tables.crosstab import TOTAL, balance, contributors, crosstabs, crosstabs_from, profile
from tests.conftest import write_csv

LIT = ["collaboration", "data_literacy", "innovation", "leadership_culture", "learning",
       "professionalism", "using_technology"]  # fmt: skip
RD = ["attitudes", "drivers", "skills", "tech"]
VISION = ["health_wellbeing", "innovation_quality_efficiency", "empowered_patients",
          "empowered_staff", "integration"]  # fmt: skip


def small_project(
    root: Path,
    ideas: list[dict[str, object]],
    votes: list[tuple[str, str, int]],
    participants: list[dict[str, object]] | None = None,
) -> Project:
    project = init_project(root / "p")
    files: dict[str, Path] = {"ideas": write_csv(root / "ideas.csv", ideas)}
    comments = [{"comment_id": f"c-{i['idea_id']}", "idea_id": i["idea_id"], "text": "agree",
                 "author_id": "u0"} for i in ideas]  # fmt: skip
    files["comments"] = write_csv(root / "comments.csv", comments)
    if votes:
        rows = [{"voter_id": v, "target_id": t, "value": f"{x:+d}"} for v, t, x in votes]
        files["votes"] = write_csv(root / "votes.csv", rows)
    if participants:
        files["participants"] = write_csv(root / "participants.csv", participants)
    ingest(project, **files)  # type: ignore[arg-type]
    return project


idea_spec = st.fixed_dictionaries({
    "question": st.sampled_from(["I", "II", "III"]),
    "up": st.integers(0, 6),
    "down": st.integers(0, 4),
    "comment_votes": st.integers(0, 3),
    "vision": st.sets(st.sampled_from(VISION), max_size=3),
    "literacy": st.sets(st.sampled_from(LIT), max_size=3),
    "readiness": st.sets(st.sampled_from(RD), max_size=3),
    "excluded": st.booleans(),
})  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(idea_spec, min_size=1, max_size=10))
def test_cells_sum_to_totals_and_votes_weight_by_codes(specs: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ideas, votes, codings, expected = [], [], {}, {"I": [0, 0], "II": [0, 0], "III": [0, 0]}
        for n, s in enumerate(specs):
            iid = f"idea-{n}"
            ideas.append({"idea_id": iid, "question": s["question"], "text": "t", "author_id": "a"})
            up, down = int(s["up"]), int(s["down"])  # type: ignore[call-overload]
            votes += [(f"v{k}", iid, 1) for k in range(up)]
            votes += [(f"w{k}", iid, -1) for k in range(down)]
            votes += [(f"v{k}", f"c-{iid}", 1) for k in range(int(s["comment_votes"]))]  # type: ignore[call-overload]
            frames = ["vision"] if s["question"] == "I" else ["literacy", "readiness"]
            coding = Coding({f: set(s[f]) for f in frames})  # type: ignore[call-overload]
            if s["excluded"]:
                coding = Coding(not_relevant_reason="off topic")
            codings[(iid, "gold")] = coding
            n_cells = 0 if s["excluded"] else 1
            for f in frames:
                n_cells *= len(coding.codes.get(f, ()))
            expected[str(s["question"])][0] += n_cells
            expected[str(s["question"])][1] += (up - down) * n_cells
        with small_project(Path(tmp), ideas, votes) as project:
            store_codings(project, codings, kind="reference")
            t = crosstabs(project, "gold").table
    if not votes:  # a project without votes leaves the vote column out (its nets are all 0)
        assert "net_votes" not in t.columns
        t = t.assign(net_votes=0)
    for q, (n_codings, net) in expected.items():
        block = t[t["question"] == q]
        inner = block[(block["row"] != TOTAL) & (block["column"] != TOTAL)]
        # net votes over all cells = net votes of each coded idea x its number of cells
        assert inner["ideas"].sum() == n_codings
        assert inner["net_votes"].sum() == net
        grand = block[(block["row"] == TOTAL) & (block["column"].isin([TOTAL, ""]))]
        assert grand[["ideas", "net_votes"]].values.tolist() == [[n_codings, net]]
        if q == "I":
            continue
        for measure in ("ideas", "net_votes"):
            for row, cells in inner.groupby("row"):
                row_total = block[(block["row"] == row) & (block["column"] == TOTAL)][measure]
                assert row_total.item() == cells[measure].sum()
            for col, cells in inner.groupby("column"):
                col_total = block[(block["row"] == TOTAL) & (block["column"] == col)][measure]
                assert col_total.item() == cells[measure].sum()


def test_multi_coded_idea_counts_in_each_cell_and_notes_say_so(tmp_path: Path) -> None:
    ideas = [{"idea_id": "a", "question": "II", "text": "t", "author_id": "x"},
             {"idea_id": "b", "question": "II", "text": "t", "author_id": "x"},
             {"idea_id": "c", "question": "II", "text": "t", "author_id": "x"}]  # fmt: skip
    votes = [("v1", "a", 1), ("v2", "a", 1), ("v3", "a", -1), ("v1", "b", 1), ("v1", "c", 1),
             ("v2", "c-a", 1), ("v3", "c-a", 1)]  # fmt: skip
    with small_project(tmp_path, ideas, votes) as project:
        codings = {
            "a": Coding({"literacy": {"learning"}, "readiness": {"skills", "drivers"}}),
            "b": Coding({"literacy": {"learning"}, "readiness": {"skills"}}),
            "c": Coding(not_relevant_reason="off topic"),
        }
        result = crosstabs_from(project, codings)
    t = result.table.set_index(["question", "row", "column"])
    assert t.loc[("II", "Learning", "Skills"), "ideas"] == 2
    assert t.loc[("II", "Learning", "Skills"), "net_votes"] == 2  # a: +1 net, b: +1; not c-a's
    assert t.loc[("II", "Learning", "Drivers"), "net_votes"] == 1
    assert t.loc[("II", "Learning", "Total"), "ideas"] == 3
    assert t.loc[("II", "Total", "Total"), "ideas"] == 3
    assert result.distinct["II"] == 2
    notes = " ".join(result.notes["II"])
    assert "counts in each cell" in notes and "3 codings of 2 distinct ideas" in notes
    assert "1 idea marked not relevant" in notes


def test_moved_idea_counts_under_its_new_question(tmp_path: Path) -> None:
    ideas = [{"idea_id": "a", "question": "Other", "text": "t", "author_id": "x"},
             {"idea_id": "b", "question": "II", "text": "t", "author_id": "x"}]  # fmt: skip
    votes = [("v1", "a", 1), ("v2", "c-a", -1)]
    with small_project(tmp_path, ideas, votes) as project:
        before = balance(project).set_index("question")
        assert before.loc["Other", "contributions"] == 4  # idea, comment, two votes
        move_ideas(project, [("a", "IV", "a great example")])
        after = balance(project).set_index("question")
        assert after.loc["Other", "contributions"] == 0
        assert after.loc["IV", "contributions"] == 4
        assert after.loc["Total", "contributions"] == 6
        assert after.loc["Total", "percent"] == 100.0


def test_profile_counts_contributors_and_suppresses_small_cells(tmp_path: Path) -> None:
    people = [{"participant_id": f"u{i}", "Role": "Nurse" if i < 6 else "CIO"} for i in range(9)]
    people.append({"participant_id": "a", "Role": "CIO"})
    people.append({"participant_id": "x", "Role": ""})
    ideas = [{"idea_id": "i1", "question": "I", "text": "t", "author_id": "a"}]
    votes = [("u0", "i1", 1), ("u1", "i1", 1), ("u7", "c-i1", 1)]
    people[0]["Role"] = "Nurse"
    with small_project(tmp_path, ideas, votes, participants=[*people,
                       {"participant_id": "u0x", "Role": "=HYPERLINK(1)"}]) as project:  # fmt: skip
        assert contributors(project) == {"a", "u0", "u1", "u7"}
        df = profile(project).set_index("answer")
        assert df.loc["Nurse", "participants"] == 6 and df.loc["Nurse", "contributors"] == 2
        assert df.loc["CIO", "contributors"] == 2  # "a" authored, u7 voted on a comment
        assert df.loc["Not stated", "participants"] == 1
        assert df.loc["Total", "participants"] == 12
        assert df.loc["Total", "contributors_of_participants_pct"] == 33.33
        hidden = profile(project, suppress_below=3).set_index("answer")
    assert hidden.loc["Nurse", "participants"] == 6
    assert hidden.isna().loc["Nurse", "contributors"]
    assert hidden.isna().loc["Not stated", "participants"]
    assert hidden.loc["Total", "contributors"] == 4
