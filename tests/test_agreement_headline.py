"""A methodologist's report: the headline (pooled alpha over every code decision with an interval
that resamples items, the median and range of per-code kappa) checked against independent
computations; every missing value or interval says why; titles true to the run; no nan in
any format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import krippendorff  # type: ignore[import-untyped]
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from coder.agreement.codingset import from_long_table
from coder.agreement.pooled import (
    cluster_sums,
    krippendorff_alpha_pooled,
    pooled_alpha_ci,
)
from coder.agreement.report import reliability_report
from coder.cli.main import main
from coder.errors import UndefinedStatistic

CODES = {"topic": ["cost", "time", "staff", "rare"], "tone": ["positive", "negative"]}


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two coders, 40 items in two frames, multi-label; 'rare' is applied by nobody on the
    items both saw (its kappa is undefined); 'z' coded five items alone; a model 'm'."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        item = f"i{i:02d}"
        frame = "topic" if i < 30 else "tone"
        truth = [c for c in CODES[frame][:3] if rng.random() < 0.4] or [CODES[frame][0]]
        for coder in ("x", "y", "m"):
            codes = [c for c in truth if rng.random() > 0.15]
            codes += [c for c in CODES[frame][:3] if c not in truth and rng.random() < 0.1]
            rows += [(item, coder, frame, c) for c in codes] or [(item, coder, frame, "")]
    rows += [("i99", "x", "topic", "rare")]
    path = tmp_path_factory.mktemp("headline") / "codings.csv"
    pd.DataFrame(rows, columns=["item_id", "coder", "frame", "code"]).to_csv(path, index=False)
    return path


def presence(path: Path, frames: list[str]) -> tuple[np.ndarray, list[str]]:
    """coders (x, y) x cells of every (item, code) of ``frames`` both coders saw, built
    independently of coder's readers; and the item of each cell."""
    df = pd.read_csv(path, keep_default_na=False)
    df = df[df["coder"].isin(["x", "y"]) & df["frame"].isin(frames)]
    seen = df.groupby("item_id")["coder"].nunique()
    both = sorted(seen[seen == 2].index)
    cells, items = [], []
    for item in both:
        frame = df[df["item_id"] == item]["frame"].iloc[0]
        applied = {c: set(df[(df["item_id"] == item) & (df["coder"] == c)]["code"]) for c in "xy"}
        for code in CODES[frame]:
            cells.append([float(code in applied["x"]), float(code in applied["y"])])
            items.append(item)
    return np.array(cells).T, items


def value(t: pd.DataFrame, **where: str) -> pd.Series:
    for k, v in where.items():
        t = t[t[k] == v]
    assert len(t) == 1, where
    return t.iloc[0]


def test_pooled_alpha_matches_the_krippendorff_package(long_file: Path) -> None:
    t = reliability_report(from_long_table(long_file), model="m", n_boot=300).table
    for frame, frames in (("topic", ["topic"]), ("tone", ["tone"]), ("(all frames)", list(CODES))):
        cells, items = presence(long_file, frames)
        expected = krippendorff.alpha(reliability_data=cells, level_of_measurement="nominal")
        row = value(t, table="headline", frame=frame, statistic="pooled_alpha")
        assert row["value"] == pytest.approx(expected, abs=1e-12)
        assert row["items"] == len(set(items))
        assert row["ci_low"] <= row["value"] <= row["ci_high"]


def test_the_kappa_summary_matches_an_independent_computation(long_file: Path) -> None:
    t = reliability_report(from_long_table(long_file), model="m", n_boot=0).table
    cells, _ = presence(long_file, ["topic"])
    kappas = []
    for j, code in enumerate(CODES["topic"]):
        x, y = cells[0, j :: len(CODES["topic"])], cells[1, j :: len(CODES["topic"])]
        if len(set(x) | set(y)) > 1:
            kappas.append(cohen_kappa_score(x, y))
        else:
            assert code == "rare"
    median = value(t, table="headline", frame="topic", statistic="kappa_median")
    assert median["value"] == pytest.approx(np.median(kappas))
    assert value(t, table="headline", frame="topic", statistic="kappa_min")["value"] == (
        pytest.approx(min(kappas))
    )
    assert value(t, table="headline", frame="topic", statistic="kappa_max")["value"] == (
        pytest.approx(max(kappas))
    )
    assert median["items"] == 3
    assert median["note"].startswith("1 of 4 codes have no kappa: Cohen's kappa is undefined")


def test_every_missing_value_or_interval_says_why(long_file: Path) -> None:
    for n_boot in (0, 50):
        t = reliability_report(from_long_table(long_file), model="m", n_boot=n_boot).table
        stats = t[~t["statistic"].isin(["prevalence", "kappa_min", "kappa_max"])]
        no_value = stats[stats["value"].isna()]
        assert (no_value["note"].str.len() > 10).all()
        intervals = stats[stats["value"].notna() & stats["ci_low"].isna()]
        intervals = intervals[~intervals["table"].isin(["coverage"])]
        intervals = intervals[intervals["statistic"] != "kappa_median"]
        assert len(intervals) > 0
        assert intervals["note"].str.startswith("no interval: ").all()


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("n_boot", ["0", "40"])
def test_no_nan_in_any_format_and_titles_true_to_the_run(
    long_file: Path, tmp_path: Path, n_boot: str
) -> None:
    base = ["agreement", "--input", str(long_file), "--model", "m", "--n-boot", n_boot]
    nan = re.compile(r"\bnan\b", re.IGNORECASE)
    for fmt in ("table", "markdown", "csv", "json", "html"):
        text = run(*base, "--format", fmt)
        assert not nan.search(text), fmt
        if fmt in ("table", "markdown", "html"):
            assert ("95% bootstrap intervals" in text) == (n_boot != "0"), fmt
            assert ("no intervals: no bootstrap resamples" in text) == (n_boot == "0"), fmt
            assert "Headline" in text and "undefined" in text and "stored" not in text
    records = json.loads(run(*base, "--format", "json"))
    assert all(not (isinstance(v, float) and np.isnan(v)) for r in records for v in r.values())
    book = tmp_path / "report.xlsx"
    run(*base, "--out", str(book))
    from openpyxl import load_workbook

    wb = load_workbook(book, read_only=True)
    names = wb.sheetnames
    assert names == ["Codings file", "Headline", "Per code", "Per frame", "Model coverage",
                     "Model as a coder"]  # fmt: skip
    cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert not any(nan.search(c) for c in cells)
    assert not any(c.startswith("'-") for c in cells)  # negatives print with a minus sign
    wb.close()


def test_pooled_alpha_contract() -> None:
    rng = np.random.default_rng(5)
    data = (rng.random((3, 120)) < 0.3).astype(float)
    data[rng.random((3, 120)) < 0.2] = np.nan
    clusters = np.repeat(np.arange(30), 4)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha_pooled(data, clusters) == pytest.approx(expected, abs=1e-12)
    assert krippendorff_alpha_pooled(data) == pytest.approx(expected, abs=1e-12)
    assert cluster_sums(data, clusters).shape == (30, 3)
    ci = pooled_alpha_ci(data, clusters, n_boot=200, seed=1)
    assert ci == pooled_alpha_ci(data, clusters, n_boot=200, seed=1)
    assert ci != pooled_alpha_ci(data, None, n_boot=200, seed=1)  # clusters matter
    # Permuting the items (and their cells) changes nothing.
    order = rng.permutation(30)
    cols = np.concatenate([np.arange(4 * k, 4 * k + 4) for k in order])
    assert krippendorff_alpha_pooled(data[:, cols], clusters) == pytest.approx(expected)
    with pytest.raises(UndefinedStatistic, match="no variation"):
        krippendorff_alpha_pooled([[1, 1], [1, 1]])
    with pytest.raises(UndefinedStatistic, match="two coders"):
        krippendorff_alpha_pooled([[1, np.nan], [np.nan, 0]])
    with pytest.raises(ValueError, match="clusters"):
        krippendorff_alpha_pooled([[1, 0], [1, 0]], [0])
    with pytest.raises(ValueError, match="0 and 1"):
        krippendorff_alpha_pooled([[2, 0], [1, 0]])
