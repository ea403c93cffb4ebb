"""The reliability report: per code, per frame, the model as a coder, disagreements, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from coder import agreement as ag
from coder.agreement.display import wide_tables
from coder.agreement.report import (
    consensus,
    disagreements,
    from_long_table,
    reliability_report,
)
from coder.cli.main import main
from coder.demo.example import example_file
from tests.conftest import write_csv

# Three items, frame "topic" with codes a/b/c; coders x and y; the model m.
ROWS = [
    ("1", "x", "topic", "a"), ("1", "y", "topic", "a"), ("1", "m", "topic", "a"),
    ("2", "x", "topic", "a"), ("2", "x", "topic", "b"), ("2", "y", "topic", "b"),
    ("2", "m", "topic", "b"),
    ("3", "x", "topic", "c"), ("3", "y", "topic", "b"), ("3", "m", "topic", "c"),
    ("4", "x", "topic", "b"), ("4", "y", "topic", "b"), ("4", "m", "topic", ""),
    ("5", "x", "topic", "a"), ("5", "m", "topic", "a"),
]  # fmt: skip


@pytest.fixture
def long_file(tmp_path: Path) -> Path:
    rows = [dict(zip(["item_id", "coder", "frame", "code"], r, strict=True)) for r in ROWS]
    return write_csv(tmp_path / "long.csv", rows)  # type: ignore[arg-type]


def value(report_table: pd.DataFrame, **where: str) -> float:
    t = report_table
    for k, v in where.items():
        t = t[t[k] == v]
    assert len(t) == 1, where
    return float(t["value"].iloc[0])


def test_per_code_statistics_match_the_library(long_file: Path) -> None:
    cs = from_long_table(long_file)
    report = reliability_report(cs, model="m", n_boot=200)
    t = report.table
    # code a among x and y over items 1-4 (item 5 coded by x only): x=[1,1,0,0], y=[1,0,0,0]
    x, y = [1, 1, 0, 0], [1, 0, 0, 0]
    assert value(t, table="code", code="a", statistic="cohen_kappa") == pytest.approx(
        ag.cohen_kappa(x, y)
    )
    assert value(t, table="code", code="a", statistic="krippendorff_alpha") == pytest.approx(
        ag.krippendorff_alpha(np.array([x, y], float))
    )
    assert value(t, table="code", code="a", statistic="prevalence") == pytest.approx(3 / 8)
    assert report.single_coded == {"x": 1, "y": 0}
    items = t[(t["table"] == "code") & (t["code"] == "a")]["items"].unique().tolist()
    assert items == [4]
    # CIs are intervals around the estimate, reproducible by seed.
    kappa_b = t[(t["table"] == "code") & (t["code"] == "b") & (t["statistic"] == "cohen_kappa")]
    low, high = kappa_b[["ci_low", "ci_high"]].iloc[0]
    assert low <= kappa_b["value"].iloc[0] <= high
    again = reliability_report(from_long_table(long_file), model="m", n_boot=200).table
    pd.testing.assert_frame_equal(t, again)


def test_undefined_statistics_say_why(tmp_path: Path) -> None:
    rows = [{"item_id": str(i), "coder": c, "frame": "topic", "code": "a"}
            for i in range(4) for c in ("x", "y")]  # fmt: skip
    rows.append({"item_id": "9", "coder": "x", "frame": "topic", "code": "b"})
    cs = from_long_table(write_csv(tmp_path / "u.csv", rows))  # type: ignore[arg-type]
    t = reliability_report(cs, n_boot=50).table
    kappa = t[(t["code"] == "a") & (t["statistic"] == "cohen_kappa")]
    assert kappa["value"].isna().all()
    assert kappa["note"].iloc[0].startswith("undefined: ")
    assert len(kappa["note"].iloc[0]) > len("undefined: ") + 10
    wide = wide_tables(reliability_report(cs, n_boot=0))["code"]
    assert wide.set_index("code").loc["a", "cohen_kappa"].startswith("undefined")


def test_model_against_each_human_and_consensus(long_file: Path) -> None:
    cs = from_long_table(long_file)
    cons = consensus(cs, ["x", "y"])
    assert cons["1"].codes == {"topic": {"a"}}
    assert cons["2"].codes == {"topic": {"b"}}  # a: 1 of 2 is not a majority
    assert cons["3"].codes == {}
    t = reliability_report(cs, model="m", n_boot=0).table
    model = t[t["table"] == "model"]
    assert set(model["coder_b"]) == {"x", "y", "(consensus)"}
    assert set(model["coder_a"]) == {"m"}
    assert "(consensus)" not in cs.codings


def test_disagreements_worst_first(long_file: Path) -> None:
    df = disagreements(from_long_table(long_file), ["x", "y"])
    assert list(df["item_id"]) == ["3", "2"]
    assert list(df["distance"]) == [1.0, 0.5]
    assert df.iloc[1]["x"] == "a; b" and df.iloc[1]["y"] == "b"


def test_cli_long_table_in_every_format(long_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["agreement", "--input", str(long_file), "--model", "m", "--n-boot", "100"]
    table = runner.invoke(main, base)
    assert table.exit_code == 0, table.output
    assert "Per code" in table.output and "one coder only" in table.output
    csv_out = runner.invoke(main, [*base, "--format", "csv"])
    assert csv_out.stdout.splitlines()[0] == (
        "table,frame,code,coder_a,coder_b,statistic,value,ci_low,ci_high,items,note"
    )
    records = json.loads(runner.invoke(main, [*base, "--format", "json"]).stdout)
    assert {r["table"] for r in records} == {"headline", "code", "frame", "coverage", "model"}
    md = runner.invoke(main, [*base, "--format", "markdown", "--disagreements",
                              str(tmp_path / "d.csv")])  # fmt: skip
    assert "| frame | code | items |" in md.output
    assert pd.read_csv(tmp_path / "d.csv")["item_id"].tolist()[0] == 3
    both = runner.invoke(main, ["agreement", str(tmp_path), "--input", str(long_file)])
    assert both.exit_code != 0


def test_cli_on_the_example_project(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--out", str(tmp_path), "--tables-only"]).exit_code == 0
    sample = str(example_file("coder_codings.csv"))
    imported = runner.invoke(main, ["codings", "import", str(tmp_path / "project"), sample])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(main, ["agreement", str(tmp_path / "project"), "--format", "json",
                                  "--n-boot", "100"])  # fmt: skip
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    kappas = {r["code"]: r["value"] for r in records
              if r["table"] == "code" and r["statistic"] == "cohen_kappa"}  # fmt: skip
    # Rare and abstract codes: lower agreement, as the example was built to show.
    assert kappas["Drivers"] < kappas["Skills"] < kappas["Using technology"] == 1.0
    frames = {r["frame"]: r["value"] for r in records
              if r["table"] == "frame" and r["statistic"] == "alpha_masi"}  # fmt: skip
    assert set(frames) == {"vision", "literacy", "readiness"}
    assert all(0.4 < v < 0.8 for v in frames.values())
