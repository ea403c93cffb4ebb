"""`coder demo` reproduces every number of the report named in the foundation issue.

The expected numbers are typed in from ``shared/seed/report_tables.md`` (the report's tables),
not computed from the example data, and are checked against the CSV files the demo writes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from coder.cli.main import main

LIT = [
    "Collaboration",
    "Data literacy",
    "Innovation",
    "Leadership and culture",
    "Learning",
    "Professionalism",
    "Using technology",
]
RD = ["Attitudes", "Drivers", "Skills", "Tech", "Total"]
Cell = tuple[int, int] | None

TABLE_1 = {"I": 1467, "II": 796, "III": 454, "IV": 1084, "Other": 361}
TABLE_2 = {
    "Vision: improve the health and wellbeing of individuals and populations": (11, 127),
    "Driving innovation, quality and efficiency": (27, 336),
    "Empowered patients": (10, 97),
    "Empowered staff": (7, 63),
    "Integration of services": (31, 375),
}
# Rows: the seven literacy domains and Total; columns Attitudes, Drivers, Skills, Tech, Total.
TABLES_3_4: list[list[Cell]] = [
    [(4, 41), (1, 4), (3, 11), (1, 30), (9, 86)],
    [(1, 7), None, (6, 25), (1, 22), (8, 54)],
    [None, (1, 8), (1, 2), None, (2, 10)],
    [(1, 4), (1, 5), None, (1, 17), (3, 26)],
    [(2, 11), None, (2, 13), None, (4, 24)],
    [(1, 13), (1, 17), (8, 52), (3, 14), (13, 96)],
    [None, None, (3, 17), (4, 47), (7, 64)],
    [(9, 76), (4, 34), (23, 120), (10, 130), (46, 360)],
]
TABLES_7_8: list[list[Cell]] = [
    [(2, 55), (1, 3), None, (3, 33), (6, 91)],
    [(1, 24), None, None, (1, 22), (2, 46)],
    [(1, 3), None, None, None, (1, 3)],
    [(1, 13), None, (1, 20), None, (2, 33)],
    [None, (2, 28), (12, 203), None, (14, 231)],
    [None, (1, 6), (2, 40), None, (3, 46)],
    [(2, 41), None, (5, 63), (4, 54), (11, 158)],
    [(7, 136), (4, 37), (20, 326), (8, 109), (39, 608)],
]
# Tables 5/6 survived as: Attitudes, Drivers + Skills, Tech, Total.
TABLES_5_6: list[list[Cell]] = [
    [(1, 3), (3, 28), (1, 6), (5, 37)],
    [None, (2, 11), (1, 10), (3, 21)],
    [(2, 2), None, (1, 6), (3, 8)],
    [(4, 22), (1, 6), (1, 22), (6, 50)],
    [None, (5, 86), None, (5, 86)],
    [(4, 22), (2, 4), None, (6, 26)],
    [(1, 3), (4, 33), (2, 23), (7, 59)],
    [(12, 52), (17, 168), (6, 67), (35, 287)],
]
APPENDIX_Q1 = {
    "Accountant": (1, 1), "Administrator": (28, 9), "CCIO": (30, 15), "CEO": (17, 10),
    "CIO": (32, 21), "Clinical coder": (10, 6), "Clinical informatician": (62, 32),
    "Data analyst": (72, 27), "Database administrator": (9, 2), "Dentist": (7, 2),
    "Director": (41, 7), "Doctor": (85, 32), "Estates and facilities": (1, 1),
    "Futurologist": (12, 7), "Health records manager": (1, 1), "Healthcare scientists": (8, 3),
    "Helpdesk worker": (4, 3), "Information manager": (57, 24), "IT director": (18, 7),
    "IT manager": (68, 31), "Knowledge manager": (19, 6), "Librarian": (15, 7),
    "Nurse/AHP/HSW": (59, 22), "Other data worker": (4, 2), "Other information worker": (51, 19),
    "Other knowledge worker": (36, 15), "Other technology worker": (65, 28),
    "Pharmacist": (23, 8), "Project manager": (124, 49), "Researcher": (34, 17),
    "Service manager": (41, 19), "Social technologist": (7, 4), "Software developer": (20, 11),
    "Total": (1061, 448),
}  # fmt: skip
APPENDIX_Q2 = {
    "Less than 25% of my time": (131, 71), "25-49% of my time": (160, 80),
    "50-75% of my time": (210, 46), "It is my full-time job": (560, 251), "Total": (1061, 448),
}  # fmt: skip
APPENDIX_Q3 = {
    "Digitally leading": (551, 250), "Digital ready": (404, 163), "Digitally worried": (95, 33),
    "Digitally lost": (11, 2), "Total": (1061, 448),
}  # fmt: skip
APPENDIX_PARTICIPANTS = {
    "Q4": [960, 92, 7, 2],
    "Q5": [972, 10, 17, 11, 46, 5],
    "Q6": [704, 313, 40, 4, 0],
    "Q7": [194, 428, 288, 124, 27],
    "Q8": [236, 448, 258, 98, 21],
    "Q9": [624, 97, 15, 325],
    "Q10": [802, 189, 70],
    "Q11": [219, 358, 167, 317],
    "Q12": [48, 313, 11, 115, 52, 16, 37, 34, 30, 15, 69, 85, 25, 10, 41, 61, 19, 78, 2],
    "Q13": [3, 3, 7, 13, 6, 6, 23, 17, 4, 7, 7, 42, 13, 6, 12, 92, 13, 22, 167, 71, 24, 2, 16,
            2, 12, 35, 4, 3, 35, 7, 1, 11, 2, 5, 1, 21, 29, 9, 16, 5, 9, 2, 20, 9, 8, 23, 13,
            8, 54, 4, 111, 9, 3, 14],
    "Q14": [489, 568, 4],
    "Q15": [22, 316, 703, 20],
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("crosstabs.csv", "balance.csv", "profile.csv", "crosstabs.xlsx",
                 "final_crosstabs.csv", "report.html", "report.xlsx"):  # fmt: skip
        assert (out / name).stat().st_size > 0
        assert name in result.output
    for line in ("Agreement of the two coders", "Round 2 (active learning)", "Review by",
                 "Adjudicated", "Coverage:", "Final crosstabs against the gold ones"):  # fmt: skip
        assert line in result.output
    return out


@pytest.fixture(scope="module")
def crosstabs(demo_out: Path) -> pd.DataFrame:
    df = pd.read_csv(demo_out / "crosstabs.csv", keep_default_na=False)
    assert list(df.columns) == [
        "question", "row_frame", "row", "column_frame", "column", "ideas", "net_votes",
    ]  # fmt: skip
    return df


def cell(df: pd.DataFrame, question: str, row: str, column: str) -> tuple[int, int]:
    hit = df[(df["question"] == question) & (df["row"] == row) & (df["column"] == column)]
    assert len(hit) == 1, (question, row, column)
    return int(hit["ideas"].iloc[0]), int(hit["net_votes"].iloc[0])


def test_table_1_balance(demo_out: Path) -> None:
    df = pd.read_csv(demo_out / "balance.csv", keep_default_na=False).set_index("question")
    for q, contributions in TABLE_1.items():
        assert df.loc[q, "contributions"] == contributions
    # The report's rows sum to 4,162 although it prints 4,160 (see the example's README).
    assert df.loc["Total", "contributions"] == sum(TABLE_1.values()) == 4162
    assert df.loc["Total", "ideas"] == 231
    assert df.loc["Total", "comments"] == 453
    assert df.loc["Total", "percent"] == 100.0


def test_table_2_vision(crosstabs: pd.DataFrame) -> None:
    for theme, expected in TABLE_2.items():
        assert cell(crosstabs, "I", theme, "") == expected


@pytest.mark.parametrize(("question", "table"), [("II", TABLES_3_4), ("IV", TABLES_7_8)])
def test_two_frame_tables_cell_by_cell(
    crosstabs: pd.DataFrame, question: str, table: list[list[Cell]]
) -> None:
    for row, cells in zip([*LIT, "Total"], table, strict=True):
        for column, expected in zip(RD, cells, strict=True):
            assert cell(crosstabs, question, row, column) == (expected or (0, 0)), (row, column)


def test_tables_5_6_surviving_cells(crosstabs: pd.DataFrame) -> None:
    for row, (att, drivers_skills, tech, total) in zip([*LIT, "Total"], TABLES_5_6, strict=True):
        assert cell(crosstabs, "III", row, "Attitudes") == (att or (0, 0))
        assert cell(crosstabs, "III", row, "Tech") == (tech or (0, 0))
        assert cell(crosstabs, "III", row, "Total") == total
        drivers = cell(crosstabs, "III", row, "Drivers")
        skills = cell(crosstabs, "III", row, "Skills")
        combined = (drivers[0] + skills[0], drivers[1] + skills[1])
        assert combined == (drivers_skills or (0, 0)), row


def _profile(demo_out: Path) -> pd.DataFrame:
    df = pd.read_csv(demo_out / "profile.csv", keep_default_na=False)
    df["q"] = df["question"].str.extract(r"^(Q\d+)\.")[0]
    return df


@pytest.mark.parametrize(
    ("q", "expected"), [("Q1", APPENDIX_Q1), ("Q2", APPENDIX_Q2), ("Q3", APPENDIX_Q3)]
)
def test_appendix_participants_and_contributors(
    demo_out: Path, q: str, expected: dict[str, tuple[int, int]]
) -> None:
    df = _profile(demo_out)
    block = df[df["q"] == q].set_index("answer")
    assert list(block.index) == list(expected)
    for answer, (participants, contributors) in expected.items():
        assert block.loc[answer, "participants"] == participants
        assert block.loc[answer, "contributors"] == contributors
    # The report's percentages, to 2 dp: e.g. CIO 65.63% of participants contributed.
    if q == "Q1":
        assert block.loc["CIO", "contributors_of_participants_pct"] == 65.63
        assert block.loc["Project manager", "participants_pct"] == 11.69
        assert block.loc["Total", "contributors_of_participants_pct"] == 42.22


def test_appendix_participants_only(demo_out: Path) -> None:
    df = _profile(demo_out)
    for q, counts in APPENDIX_PARTICIPANTS.items():
        block = df[(df["q"] == q) & (df["answer"] != "Total")]
        assert list(block["participants"]) == counts, q
        total = df[(df["q"] == q) & (df["answer"] == "Total")]["participants"].item()
        assert total == 1061


def test_xlsx_has_a_sheet_per_table(demo_out: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(demo_out / "crosstabs.xlsx")
    names = book.sheetnames
    assert names[:2] == ["Balance", "I themes"]
    assert {"II ideas", "II votes", "III ideas", "III votes", "IV ideas", "IV votes"} <= set(names)
    assert sum(n.startswith("Profile") for n in names) == 15
    ws = book["II votes"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][1:] == ("Attitudes", "Drivers", "Skills", "Tech", "Total")
    total = next(r for r in rows if r[0] == "Total")
    assert total[1:6] == (76, 34, 120, 130, 360)


def test_final_crosstabs_have_the_same_columns(demo_out: Path, crosstabs: pd.DataFrame) -> None:
    final = pd.read_csv(demo_out / "final_crosstabs.csv", keep_default_na=False)
    assert list(final.columns) == list(crosstabs.columns)
    assert len(final) == len(crosstabs)
    page = (demo_out / "report.html").read_text(encoding="utf-8")
    assert "Where the codes came from" in page and "Sensitivity" in page


def test_codebook_migration_carries_codes_and_refuses_old_models(demo_out: Path) -> None:
    """Rename, merge and split codes on the demo project (run after the other checks)."""
    import yaml

    from coder.data.codebook import default_codebook_path
    from coder.data.store import open_project
    from coder.suggest.models import CodebookMismatchError

    data = yaml.safe_load(default_codebook_path().read_text())
    lit = data["frames"][1]["codes"]
    rd = data["frames"][2]["codes"]
    next(c for c in lit if c["id"] == "learning").update(id="learning_development")
    data["frames"][1]["codes"] = [c for c in lit if c["id"] != "innovation"]
    skills = next(c for c in rd if c["id"] == "skills")
    rd.remove(skills)
    rd += [dict(skills, id="digital_skills", label="Digital skills"),
           dict(skills, id="data_skills", label="Data skills")]  # fmt: skip
    new = demo_out / "codebook-v2.yaml"
    new.write_text(yaml.safe_dump(data))
    project_dir = demo_out / "project"
    runner = CliRunner()
    refused = runner.invoke(main, ["codebook", "migrate", str(project_dir), str(new)])
    assert refused.exit_code == 2
    assert "literacy.learning" in refused.output and "--rename" in refused.output
    with open_project(project_dir) as project:
        before = project.conn.execute(
            "SELECT COUNT(*) FROM coding_codes WHERE code_id = 'learning'"
        ).fetchone()[0]
        skills_before = project.conn.execute(
            "SELECT COUNT(DISTINCT idea_id || coder_id) FROM coding_codes WHERE code_id = 'skills'"
        ).fetchone()[0]
    result = runner.invoke(main, [
        "codebook", "migrate", str(project_dir), str(new),
        "--rename", "literacy:learning=learning_development",
        "--merge", "literacy:innovation+using_technology=using_technology",
        "--split", "readiness:skills=digital_skills+data_skills",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "need recoding" in result.output
    with open_project(project_dir) as project:
        count = dict(project.conn.execute(
            "SELECT code_id, COUNT(*) FROM coding_codes GROUP BY code_id"))  # fmt: skip
        assert count.get("learning_development") == before
        assert "learning" not in count and "innovation" not in count and "skills" not in count
        migrated = project.conn.execute(
            "SELECT COUNT(DISTINCT idea_id || coder_id) FROM audit_log WHERE action = 'migrate' "
            "AND ref LIKE '%recode%'"
        ).fetchone()[0]
        assert migrated == skills_before
        folder = next(p for p in (project_dir / "models").iterdir() if p.name.startswith("m-"))
        from coder.suggest.models import load_model

        with pytest.raises(CodebookMismatchError, match="coder train"):
            load_model(folder, project.codebook)
    assert (project_dir / "codebook.yaml").read_text().count("learning_development") == 1


def test_demo_rerun_replaces_its_project(demo_out: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--out", str(demo_out), "--tables-only"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(demo_out / "balance.csv", keep_default_na=False)
    assert df["contributions"].iloc[-1] == 4162
