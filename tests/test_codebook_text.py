"""A codebook's ids and labels are text, exactly as written (no YAML 1.1 surprises)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coder.data.codebook import TextLoader, load_codebook, parse_codebook

TRICKY = ["no", "yes", "on", "off", "null", "~", "1.10", "007", "true", "1e3", "2017-01-01"]


def _codebook(tmp_path: Path, ids: list[str]) -> Path:
    codes = "\n".join(f"      - id: {i}\n        label: {i}" for i in ids)
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "id: study\nquestions:\n  - id: q1\n    label: Q1\n"
        "frames:\n  - id: answers\n    label: Answers\n    selection: multiple\n"
        "    questions: [q1]\n    codes:\n" + codes + "\n"
    )
    return path


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_scalars_stay_text(tmp_path: Path, value: str) -> None:
    ids = [value, "other"] if value != "~" else ["other"]
    if value == "~":
        # "~" is not a valid id character; as a label it must still be kept as written.
        path = tmp_path / "codebook.yaml"
        path.write_text(
            "id: study\nquestions:\n  - id: q1\n    label: '~'\n"
            "frames:\n  - id: answers\n    label: ~\n    selection: multiple\n"
            "    questions: [q1]\n    codes:\n"
            "      - id: a\n        label: ~\n"
        )
        book = load_codebook(path)
        assert book.frames[0].label == "~"
        assert book.frames[0].codes[0].label == "~"
        return
    book = load_codebook(_codebook(tmp_path, ids))
    code = book.frames[0].codes[0]
    assert code.id == value and isinstance(code.id, str)
    assert code.label == value


def test_the_loader_keeps_structure(tmp_path: Path) -> None:
    data = yaml.load("a: [no, 1.10]\nb:\n  c: 007\nd:\n", Loader=TextLoader)
    assert data == {"a": ["no", "1.10"], "b": {"c": "007"}, "d": ""}


def test_the_codebook_round_trips_through_yaml(tmp_path: Path) -> None:
    book = load_codebook(_codebook(tmp_path, ["no", "1.10", "007"]))
    again = parse_codebook(yaml.load(book.to_yaml(), Loader=TextLoader))
    assert [c.id for c in again.frames[0].codes] == ["no", "1.10", "007"]
    # A standard YAML reader gets the same ids back too: the writer quotes what needs it.
    plain = yaml.safe_load(book.to_yaml())
    assert [c["id"] for c in plain["frames"][0]["codes"]] == ["no", "1.10", "007"]
