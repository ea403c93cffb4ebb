"""Redaction that generalises: names in any position and of many traditions, UK phone
numbers, NHS numbers and postcodes in their usual layouts, and words that are not names.

None of these sentences is in the held-out part of the labelled set; the development part
is scored here as a regression test (the held-out figure is scored once, by
scripts/eval_redaction.py --held-out).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coder.data.names import NAME_SHAPE_THRESHOLD, lexicon
from coder.data.names.shape import NameShape
from coder.data.redact import MODEL, Redactor, nhs_check_digit_ok, score

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "annotations" / "redaction"


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def _redacted(redactor: Redactor, text: str) -> str:
    return redactor.redact([text])[0].text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The sentences of issue 12: a lone first name starting a sentence or after
        # "with", "to" and "and".
        (
            "Siobhan from the informatics team built the bed board.",
            "[NAME] from the informatics team built the bed board.",
        ),
        ("Write to Rebecca at the CSU.", "Write to [NAME] at the CSU."),
        (
            "I work with Yusuf and Ayesha on discharge.",
            "I work with [NAME] and [NAME] on discharge.",
        ),
        # Other positions.
        ("Thanks to Wojciech, Dorota and Przemysław.", "Thanks to [NAME], [NAME] and [NAME]."),
        ("Kwame's spreadsheet tracks every device.", "[NAME]'s spreadsheet tracks every device."),
        ("The rota was checked by Amarachi.", "The rota was checked by [NAME]."),
        ("Our ward clerk Nurul is amazing.", "Our ward clerk [NAME] is amazing."),
        ("Speak to Father Michael or Imam Hussain.", "Speak to Father [NAME] or Imam [NAME]."),
        ("Dr A Kowalski is the CCIO.", "Dr [NAME] is the CCIO."),
        ("Ms J. Patel wrote the policy.", "Ms [NAME] wrote the policy."),
        ("Mrs Adebayo-Okonkwo was discharged.", "Mrs [NAME] was discharged."),
        ("Hi, I'm Kerry-Ann from the diabetes team.", "Hi, I'm [NAME] from the diabetes team."),
        (
            "Yesterday Agata and Tomek finished the audit.",
            "Yesterday [NAME] and [NAME] finished the audit.",
        ),
        ("Huang Jiayi and Zhou Xin presented.", "[NAME] and [NAME] presented."),
        ("The pilot was run by Abdullah bin Rashid.", "The pilot was run by [NAME]."),
        ("Priya shared the template with Rhys.", "[NAME] shared the template with [NAME]."),
        ("Grace from pharmacy emailed the list.", "[NAME] from pharmacy emailed the list."),
        ("Ask Will in IT.", "Ask [NAME] in IT."),
        ("Victoria Okonjo leads the data team.", "[NAME] leads the data team."),
        ("Me and Tochukwu did the night audits.", "Me and [NAME] did the night audits."),
        ("Wiesław fixed the printers.", "[NAME] fixed the printers."),
        ("Contact Dr Hannah Greaves about it.", "Contact Dr [NAME] about it."),
    ],
)
def test_names_in_any_position(redactor: Redactor, text: str, expected: str) -> None:
    assert _redacted(redactor, text) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Gemma",  # British
        "Saoirse",  # Irish
        "Rhiannon",  # Welsh
        "Gurpreet",  # South Asian
        "Chiamaka",  # West African
        "Kofi",
        "Xiaoling",  # East Asian
        "Ji-woo",
        "Agnieszka",  # Eastern European
        "Oleksandr",
        "Khadija",  # Arabic
        "Abdirahman",  # Somali
    ],
)
@pytest.mark.parametrize(
    "template",
    ["{} built the new rota.", "I work with {} on nights.", "Write to {} about it.", "Thanks {}!"],
)
def test_lone_first_names_across_traditions(redactor: Redactor, name: str, template: str) -> None:
    assert _redacted(redactor, template.format(name)) == template.format("[NAME]")


@pytest.mark.parametrize(
    "text",
    [
        "Will the new system talk to SystmOne?",
        "May is our busiest month, and in April the policy changes.",
        "Grace under pressure is what our receptionists show.",
        "Mark every concern on the record.",
        "We hope the new system will bring joy to the ward.",
        "Grace Ward got the first handheld devices.",
        "Victoria Ward and Rose Cottage have sensory rooms.",
        "St Thomas' and Great Ormond Street share their forms.",
        "Parkinson's patients and Crohn's patients use the app.",
        "NHS Digital and the Trust board approved it.",
        "We use Accurx, Docman and EMIS every day.",
        "Patients on warfarin or Apixaban need monitoring.",
        "Chorley and Preston hospitals use different systems.",
        "I moved from Bradford to Huddersfield last year.",
        "The Hillingdon team trialled the app.",
        "Summarising Lloyd George envelopes takes hours.",
        "Anyone who scores low is offered training.",
        "She's now one of our digital champions.",
        "Our Clinical Lead for Digital Transformation is off sick.",
        "Amber alerts on the early warning score are ignored.",
        "Talk to Estates about the lifts, and contact PALS if you want to complain.",
        "I'll share the project plan.",
    ],
)
def test_words_that_are_not_names(redactor: Redactor, text: str) -> None:
    assert redactor.find([text]) == [[]]


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700-900-123",
        "07700900123",
        "(07700) 900123",
        "+447700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0044 7700 900 123",
        "020 7946 0321",
        "(020) 7946 0321",
        "020-7946-0321",
        "+44 20 7946 0321",
        "0113 496 0123",
        "(0113) 496 0123",
        "01632 960144",
        "(01632) 960 144",
        "01632960144",
        "028 9018 0342",
        "0808 157 0346",
    ],
)
def test_uk_phone_formats(redactor: Redactor, number: str) -> None:
    (r,) = redactor.redact([f"Ring {number} for the team."])
    assert r.text == "Ring [PHONE] for the team."


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("NHS number 943 476 5919 on the form.", "943 476 5919"),  # valid check digit
        ("The number 943 476 5918 on the form.", "943 476 5918"),  # invalid: still 3-3-4
        ("The number 943-476-5919 on the form.", "943-476-5919"),
        ("Patient 9434765919 came in.", "9434765919"),  # 10 in a row, valid
        ("A printout with 6108244937 on it.", "6108244937"),  # 10 in a row, invalid
        ("NHS no: 485 7773456 on the label.", "485 7773456"),  # odd spacing after a cue
        ("Gave their NHS number as 6234567891.", "6234567891"),
    ],
)
def test_nhs_numbers(redactor: Redactor, text: str, redacted: str) -> None:
    (spans,) = redactor.find([text])
    assert [(text[s.start : s.end], s.kind) for s in spans] == [(redacted, "NHS_NUMBER")]


def test_other_ten_digit_numbers_are_left_unless_they_pass_the_check(redactor: Redactor) -> None:
    assert redactor.find(["Order number 4502331876 is stuck."]) == [[]]
    (spans,) = redactor.find(["Order number 9434765919 is stuck."])
    assert [s.kind for s in spans] == ["NHS_NUMBER"]


def test_the_nhs_check_digit() -> None:
    assert nhs_check_digit_ok("9434765919")
    assert nhs_check_digit_ok("4010232137")
    assert not nhs_check_digit_ok("9434765918")
    assert not nhs_check_digit_ok("943476591")


@pytest.mark.parametrize(
    "code",
    [
        "LS9 7TF",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "W1A 0AX",
        "EC1V 2PD",
        "SW1A 1AA",
        "sw1a1aa",
        "b15 2th",
        "BT7 1NN",
        "EH1 2NG",
        "GIR 0AA",
    ],
)
def test_postcodes(redactor: Redactor, code: str) -> None:
    assert _redacted(redactor, f"The hub at {code} is busy.") == "The hub at [POSTCODE] is busy."


@pytest.mark.parametrize(
    "text",
    [
        "Room B2 3rd floor has the projector.",
        "The pilot covered the NG5 and NG7 areas.",
        "Vitamin B12 injections, the M62 and CO2 levels.",
        "Ward 7B and ward 12A share a printer; Band 5 on ward 23.",
    ],
)
def test_postcode_lookalikes(redactor: Redactor, text: str) -> None:
    assert redactor.find([text]) == [[]]


def test_rules_only_still_find_listed_names() -> None:
    (r,) = Redactor(model=None).redact(["Siobhan and Yusuf rang 07700 900123."])
    assert r.text == "[NAME] and [NAME] rang [PHONE]."


def test_name_shape_separates_names_from_words() -> None:
    shape = NameShape(["Chidera", "Chinedu", "Adaeze"], ["chimney", "data"])
    assert shape.score("Chidi") > 0 > shape.score("datum")
    lex = lexicon(MODEL)
    assert lex.shape.score("Oluwaseun") > NAME_SHAPE_THRESHOLD > lex.shape.score("Healthwatch")


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_split_is_the_seeded_one_and_the_parts_do_not_overlap() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_redaction_set.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    dev, held = _read(FOLDER / "workshop_dev.jsonl"), _read(FOLDER / "workshop_heldout.jsonl")
    assert not {r["id"] for r in dev} & {r["id"] for r in held}
    assert not {r["text"] for r in dev} & {r["text"] for r in held}
    assert len(held) >= 200 and len(dev) >= 100
    for r in dev + held:
        for s in r["spans"]:
            piece = r["text"][s["start"] : s["end"]]
            assert piece and piece == piece.strip(), r["id"]


def test_recall_and_precision_on_the_development_part(redactor: Redactor) -> None:
    dev = _read(FOLDER / "workshop_dev.jsonl")
    result = score(dev, redactor.find([r["text"] for r in dev]))
    assert result.recall >= 0.95, result.misses
    assert result.precision >= 0.95, result.false_alarms
