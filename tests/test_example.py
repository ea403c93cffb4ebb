"""The bundled example: realistic texts, a sound coders' sample, and reproducible generation."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from coder.data.codebook import load_codebook
from coder.demo.example import example_file

ROOT = Path(__file__).resolve().parent.parent


def _read(name: str) -> list[dict[str, str]]:
    with example_file(name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_texts_read_like_contributions() -> None:
    ideas, comments = _read("ideas.csv"), _read("comments.csv")
    assert len(ideas) == 231 and len(comments) == 453
    lengths = [len(i["text"].split()) for i in ideas]
    assert min(lengths) >= 15 and max(lengths) <= 120
    assert len(set(lengths)) > 50  # varied length
    assert len({i["text"] for i in ideas}) == 231
    assert sum(bool(c["in_reply_to"]) for c in comments) > 30
    ids = {c["comment_id"] for c in comments}
    assert all(c["in_reply_to"] in ids for c in comments if c["in_reply_to"])
    # Some texts carry (fictional) personal data, for the redaction work.
    texts = [i["text"] for i in ideas] + [c["text"] for c in comments]
    assert sum(bool(re.search(r"[\w.]+@[\w.]+\.\w+", t)) for t in texts) >= 10
    assert sum(bool(re.search(r"\b0(1632|7700) ?9\d\d ?\d{3}\b", t)) for t in texts) >= 5
    assert sum(t.startswith(("+", "-", "@")) for t in texts) >= 10


def test_gold_coding_uses_the_codebook() -> None:
    cb = load_codebook()
    labels = {(f.id, c.label) for f in cb.frames for c in f.codes}
    gold = _read("gold_coding.csv")
    assert {r["coder"] for r in gold} == {"gold"}
    assert all((r["frame"], r["code"]) in labels for r in gold if r["frame"])
    assert sum(r["code"] == "not_relevant" for r in gold) == 5


def _kappa(x: list[bool], y: list[bool]) -> float:
    """Cohen's kappa for two binary ratings (Cohen 1960)."""
    n = len(x)
    p_o = sum(a == b for a, b in zip(x, y, strict=True)) / n
    p_x, p_y = sum(x) / n, sum(y) / n
    p_e = p_x * p_y + (1 - p_x) * (1 - p_y)
    return (p_o - p_e) / (1 - p_e)


def test_two_coders_disagree_like_real_coders() -> None:
    rows = _read("coder_codings.csv")
    by: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        by[r["coder"]][r["idea_id"]].add((r["frame"], r["code"]))
    alex, sam = by["alex@example.org"], by["sam@example.org"]
    assert len(alex) == len(sam) == 120
    shared = sorted(set(alex) & set(sam))
    assert len(shared) == 60
    cb = load_codebook()
    per_code = {}
    for frame in cb.frames:
        xs: list[bool] = []
        ys: list[bool] = []
        for code in frame.codes:
            key = (frame.id, code.label)
            x = [key in alex[i] for i in shared]
            y = [key in sam[i] for i in shared]
            xs += x
            ys += y
            if any(x) or any(y):
                per_code[code.label] = _kappa(x, y)
        assert 0.6 <= _kappa(xs, ys) <= 0.8, frame.id
    # Rare and abstract codes are harder than concrete ones.
    assert per_code["Drivers"] < per_code["Skills"]
    assert per_code["Leadership and culture"] < per_code["Using technology"]


@pytest.mark.parametrize("script", ["make_structure.py", "build_example.py"])
def test_generation_is_reproducible(script: str, tmp_path: Path) -> None:
    """Re-running the generators rewrites exactly the committed files."""
    before = {p: p.read_bytes() for p in (ROOT / "coder" / "data" / "example").glob("*.csv")}
    before[ROOT / "scripts" / "example" / "slots.json"] = (
        ROOT / "scripts" / "example" / "slots.json"
    ).read_bytes()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "example" / script)], check=True,
                   capture_output=True)  # fmt: skip
    after = {p: p.read_bytes() for p in before}
    assert after == before
