"""Redaction of personal data, measured on the labelled set in annotations/redaction/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coder.data.redact import PLACEHOLDERS, Redactor, redact_cached, score
from coder.data.store import Project

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "annotations" / "redaction" / "contributions.jsonl"


def _records(split: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if split is None or r["split"] == split]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def test_the_labelled_set_is_sound() -> None:
    records = _records()
    test = _records("test")
    assert len(test) >= 100
    with_pii = sum(bool(r["spans"]) for r in test)
    assert 0.4 <= with_pii / len(test) <= 0.6
    kinds = {s["kind"] for r in test for s in r["spans"]}
    assert kinds == set(PLACEHOLDERS)
    for r in records:
        for s in r["spans"]:
            piece = r["text"][s["start"] : s["end"]]
            assert piece == piece.strip() and piece, r["id"]


def test_recall_and_precision_on_the_first_set(redactor: Redactor) -> None:
    # The first set's "test" part was held out for version 1 of the redactor; version 2 was
    # tuned on the whole first set, so this is a regression test now. The held-out figure
    # is the one scored once on annotations/redaction/workshop_heldout.jsonl.
    test = _records("test")
    result = score(test, redactor.find([r["text"] for r in test]))
    assert result.recall >= 0.95, result.misses
    assert result.precision >= 0.9, result.false_alarms
    for kind, (gold, recalled) in result.by_kind.items():
        assert recalled / gold >= 0.9, kind


def test_placeholders_replace_personal_data_only(redactor: Redactor) -> None:
    text = (
        "Ask Priya or email p.shah@nhs.net, ring 07700 900123 or +44 (0)20 7946 0321; NHS number "
        "943 476 5919, postcode LS9 7TF. Band 5 nurses on ward 12 call NHS 111 at 07:30."
    )
    (r,) = redactor.redact([text])
    assert r.text == (
        "Ask [NAME] or email [EMAIL], ring [PHONE] or [PHONE]; NHS number [NHS NUMBER], "
        "postcode [POSTCODE]. Band 5 nurses on ward 12 call NHS 111 at 07:30."
    )
    assert r.kinds() == {"NAME": 1, "EMAIL": 1, "PHONE": 2, "NHS_NUMBER": 1, "POSTCODE": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Band 6 nurses on ward 23 used NHS 111 online 4,500 times in 2017.",
        "On 14/03/2017 at 14:30 the EPR went down for 6 hours across the Trust.",
        "We cut did-not-attends by 20% and saved £10,000 in Q3.",
        "Level 4 apprentices and SNOMED CT coding, ICD-10 and the 2016/17 audit.",
    ],
)
def test_no_false_alarms_on_ordinary_numbers(redactor: Redactor, text: str) -> None:
    assert redactor.find([text]) == [[]]


def test_cache_keeps_originals_and_redacts_each_text_once(
    project: Project, redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        "Call Dr Okafor on 0161 496 0123.",
        "No personal data here.",
        "Call Dr Okafor on 0161 496 0123.",
    ]
    first = redact_cached(project, texts, redactor)
    assert first[0] == first[2] == "Call Dr [NAME] on [PHONE]." and first[1] == texts[1]
    assert project.conn.execute("SELECT COUNT(*) FROM redactions").fetchone()[0] == 2
    monkeypatch.setattr(redactor, "redact", lambda _: pytest.fail("redacted twice"))
    assert redact_cached(project, texts, redactor) == first
