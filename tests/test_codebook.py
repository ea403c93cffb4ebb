"""Codebook format, validation (every problem at once) and the content hash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coder.data.codebook import default_codebook_path, load_codebook, parse_codebook
from coder.errors import CodebookError


def test_default_codebook_is_the_reports() -> None:
    cb = load_codebook()
    assert [q.id for q in cb.questions] == ["I", "II", "III", "IV", "Other"]
    assert [f.id for f in cb.frames_for("I")] == ["vision"]
    assert [f.id for f in cb.frames_for("II")] == ["literacy", "readiness"]
    assert cb.frames_for("Other") == []
    assert [c.label for c in cb.frame("vision").codes] == [
        "Vision: improve the health and wellbeing of individuals and populations",
        "Driving innovation, quality and efficiency",
        "Empowered patients",
        "Empowered staff",
        "Integration of services",
    ]
    assert [c.label for c in cb.frame("literacy").codes] == [
        "Collaboration", "Data literacy", "Innovation", "Leadership and culture", "Learning",
        "Professionalism", "Using technology",
    ]  # fmt: skip
    assert [c.label for c in cb.frame("readiness").codes] == ["Attitudes", "Drivers", "Skills",
                                                              "Tech"]  # fmt: skip
    for frame in cb.frames:
        assert not frame.exclusive
        for code in frame.codes:
            assert code.definition and code.include and code.exclude


def test_resolve_code_by_id_or_label() -> None:
    frame = load_codebook().frame("literacy")
    assert frame.resolve("Leadership and culture") == "leadership_culture"
    assert frame.resolve(" leadership AND culture ") == "leadership_culture"
    assert frame.resolve("learning") == "learning"
    assert frame.resolve("Attitudes") is None


def test_hash_is_stable_and_content_sensitive(tmp_path: Path) -> None:
    data = yaml.safe_load(default_codebook_path().read_text())
    base = parse_codebook(data).hash
    # Same content written with other key order and layout: same hash.
    reordered = {k: data[k] for k in reversed(list(data))}
    path = tmp_path / "cb.yaml"
    path.write_text(yaml.safe_dump(reordered, sort_keys=True, width=40))
    assert load_codebook(path).hash == base
    assert len(base) == 16
    data["frames"][2]["codes"][0]["label"] = "Attitude"
    assert parse_codebook(data).hash != base


def test_invalid_codebook_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        """
id: study
questions:
  - {id: Q1, label: First}
  - {id: Q1, label: Again}
frames:
  - id: themes
    label: Themes
    selection: several
    questions: [Q1, Q9]
    codes:
      - {id: a, label: Alpha}
      - {id: a, label: alpha}
      - {id: not_relevant, label: Excluded}
      - {id: "bad id", label: Bad, colour: red}
      - {id: c}
"""
    )
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    found = [(p.column, p.found) for p in info.value.problems]
    text = str(info.value)
    assert str(path) in text
    assert ("questions", "the question id 'Q1' twice") in found
    assert any(c == "frames[0].selection" and "several" in f for c, f in found)
    assert any(c == "frames[0].questions" and "Q9" in f for c, f in found)
    assert ("frames[0].codes", "the code id 'a' twice") in found
    assert ("frames[0].codes", "the code label 'alpha' twice") in found
    assert any(c == "frames[0].codes[2].id" and "not_relevant" in f for c, f in found)
    assert any(c == "frames[0].codes[3].id" for c, f in found)
    assert any(c == "frames[0].codes[3].colour" for c, f in found)
    assert any(c == "frames[0].codes[4].label" for c, f in found)
    assert len(info.value.problems) >= 9


@pytest.mark.parametrize(
    ("content", "needle"),
    [("id: x\nquestions: [\n", "invalid YAML"), ("- just\n- a list\n", "list"), ("", "NoneType")],
)
def test_unreadable_codebooks(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "cb.yaml"
    path.write_text(content)
    with pytest.raises(CodebookError, match=needle):
        load_codebook(path)


def test_more_than_two_frames_on_a_question_is_refused() -> None:
    data = yaml.safe_load(default_codebook_path().read_text())
    extra = dict(data["frames"][1], id="third")
    data["frames"].append(extra)
    with pytest.raises(CodebookError, match="more than two frames"):
        parse_codebook(data)
