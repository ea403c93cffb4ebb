"""People's names in a text, in any position of a sentence, from word lists, context and NER.

Each capitalised word gets a *tier* from the lexicon (:mod:`coder.data.names`):

=============  ===================================================  =========================
tier           what                                                 a name when
=============  ===================================================  =========================
``given``      a given name that is not an English word             always (``Siobhan``,
               (``Siobhan``, ``Yusuf``) or a common one written     ``Rebecca``), unless part
               for coder (``Rebecca``)                              of a place (``Grace Ward``)
``wordlike``   a given name that is also a word (``Will``,          with support: a title,
               ``Grace``, ``Dawn``)                                 role, cue, "with"/"to"/
                                                                    "and", a surname, a verb
                                                                    such as "said" after it
``thinglike``  a month, place or product (``May``, ``Florence``)    after a title, role or
                                                                    cue, or with a surname
``unknown``    not an English word and in no list                   with support as for
               (``Okonkwo``, ``Chidera``)                           ``wordlike``; after a weak
                                                                    cue ("with") only if NER
                                                                    agrees or a verb follows
``surname``    a surname that is an English word (``Smith``)        after a given name or a
                                                                    title, or with NER
``word``       any other word                                       after a title only
=============  ===================================================  =========================

Support spreads: a name joined by "and", "&", "or" or a comma to a name is a name (``Yusuf
and Ayesha``); capitalised words right after a name are its surname (``Chidinma Okafor``,
``Abdullah bin Rashid``). spaCy's ``PERSON`` entities count as support, and its place and
organisation entities count against an ``unknown`` word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coder.data.names import Lexicon
from coder.data.names import words as w


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORD = re.compile(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*\.?")
PARTICLES = _words(
    "bin binti bint ibn abu al el van von der den de da do dos du di la le ter ten ap ó ní "
    "nic uí mac mc"
)
# Words before a capitalised word that make it part of a place or organisation.
PLACE_BEFORE = _words("st st. saint royal mount port fort lake cape great little")
# Verbs before "to" or "with" that make the pair a cue ("write to", "worked with").
TO_VERBS = _words(
    """speak spoke speaking talk talked talking write wrote writing reach reached refer
    referred send sent pass passed give gave report reported hand handed forward forwarded
    chat chatted touch work worked working thank shout go went going listen listened
    explain explained mention mentioned introduce introduced say said credit thanks out
    grateful help"""
)
STRONG_AFTER = _words(
    """said says told tells asked asks explained suggested mentioned thinks thought showed
    shows who who's"""
)
NER_AGAINST = _words("ORG GPE LOC FAC PRODUCT NORP LANGUAGE EVENT WORK_OF_ART LAW DATE TIME")
CONTRACTIONS = _words("ll re ve d m t s")
DETERMINERS = _words("the a an this that these those")
STOP_AFTER_TITLE = _words("the a an of and or in on at for to from with who ward team")


@dataclass
class Token:
    start: int
    end: int  # without a possessive 's
    text: str  # without a possessive 's or a final full stop
    lower: str
    cap: bool  # starts with a capital and is not an acronym
    possessive: bool
    tier: str = "word"
    ner: str = ""  # the spaCy entity label over it, if any
    name: bool = False
    via: str = ""  # the context that made it a name


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in WORD.finditer(text):
        raw = m.group()
        start, end = m.start(), m.end()
        if raw.endswith(".") and len(raw) > 2:
            raw, end = raw[:-1], end - 1
        possessive = len(raw) > 2 and raw[-2:] in ("'s", "\u2019s")
        if possessive:
            raw, end = raw[:-2], end - 2
        letters = [c for c in raw if c.isalpha()]
        upper = sum(c.isupper() for c in letters)
        acronym = len(letters) > 1 and (upper * 2 > len(letters) or upper >= 3)
        cap = raw[:1].isupper() and not acronym
        lower = raw.lower().replace("\u2019", "'")
        tokens.append(Token(start, end, raw, lower, cap, possessive))
    return tokens


def _tier(tok: Token, lex: Lexicon) -> str:
    low = tok.lower.rstrip(".")
    if low in w.TITLES and tok.cap:
        return "title"
    if "'" in low and low.rsplit("'", 1)[1] in CONTRACTIONS:
        return "not"
    if low in lex.not_names or low in w.ROLES or low in w.CUES or low in PARTICLES:
        return "not"
    for table, tier in (
        (lex.places, "place"),
        (lex.thinglike, "thinglike"),
        (lex.wordlike, "wordlike"),
        (lex.given, "given"),
        (lex.surnames, "surname"),
    ):
        if low in table:
            return tier
    if "-" in low:
        parts = low.split("-")
        if any(p in lex.not_names for p in parts):
            return "word"
        if any(p in lex.given for p in parts):
            return "given"
        if all(not lex.is_english(p) or p in lex.surnames for p in parts if len(p) > 1):
            return "unknown"
        return "word"
    if len(low) > 1 and not lex.is_english(low):
        return "unknown"
    return "word"


def find_names(
    text: str,
    entities: Iterable[tuple[int, int, str]],
    lex: Lexicon,
) -> list[tuple[int, int]]:
    """Character spans of people's names in ``text``.

    ``entities`` are spaCy's named entities as (start, end, label); an empty list works too
    (rules and word lists only).
    """
    toks = tokenize(text)
    for tok in toks:
        tok.tier = _tier(tok, lex) if tok.cap else "lower"
    for start, end, label in entities:
        for tok in toks:
            if start <= tok.start and tok.end <= end:
                tok.ner = label
    n = len(toks)

    def gap(i: int) -> str:
        """The text between token i-1 and token i."""
        return text[toks[i - 1].end : toks[i].start] if i > 0 else text[: toks[0].start]

    def adjacent(i: int) -> bool:
        """Token i follows token i-1 with only spaces (or a comma) between."""
        return i > 0 and not toks[i - 1].possessive and gap(i).strip() in ("", ",")

    def left(i: int) -> str:
        """The kind of context just before token i."""
        if i == 0 or not adjacent(i):
            if i > 0 and gap(i).strip() in (":", "-", "\u2013", "("):
                prev = toks[i - 1]
                if prev.lower in ("contact", "from", "by", "thanks", "cc", "lead"):
                    return "cue"
            return ""
        prev = toks[i - 1]
        if prev.tier == "title":
            return "title"
        low = prev.lower
        if low in w.ROLES:
            return "role"
        if low in w.CUES or low in ("i'm", "im", "named", "called"):
            return "cue"
        if low in ("to", "with") and i > 1 and toks[i - 2].lower in TO_VERBS:
            return "cue"
        if low in ("is", "was") and i > 1 and toks[i - 2].lower == "name":
            return "cue"  # "my name is ..."
        if low in w.WEAK_CUES:
            return "weak"
        return ""

    def right(i: int) -> str:
        tok = toks[i]
        if i + 1 >= n:
            return ""
        nxt = toks[i + 1]
        between = text[tok.end : nxt.start]
        if tok.possessive:
            return "possessive" if not nxt.cap else ""
        if between.strip() not in ("", ","):
            return ""
        if nxt.lower in STRONG_AFTER:
            return "strong"
        # An apposition naming a role: "Nii, our IT lead, ...".
        if (
            between.strip() == ","
            and nxt.lower in ("our", "my", "the", "their", "a")
            and any(t.lower in w.ROLES for t in toks[i + 2 : i + 6])
        ):
            return "strong"
        if nxt.lower in ("and", "&") and between.strip() == "":
            return "and"
        if nxt.lower == "from" and i + 2 < n and text[nxt.end : toks[i + 2].start] == " ":
            return "strong"
        if not nxt.cap and nxt.lower in w.AFTER:
            return "verb"
        return ""

    def place_like(i: int) -> bool:
        """Token i is part of a place or organisation name ("Grace Ward", "St Thomas"), or
        a modifier after a determiner ("the Hillingdon team", "the Darzi review")."""
        nxt = toks[i + 1] if i + 1 < n else None
        if nxt and nxt.cap and nxt.lower in w.ORG_AFTER and text[toks[i].end : nxt.start] == " ":
            return True
        if i > 0 and toks[i - 1].lower in PLACE_BEFORE and toks[i - 1].cap and adjacent(i):
            return True
        return (
            i > 0
            and toks[i - 1].lower in DETERMINERS
            and gap(i) == " "
            and nxt is not None
            and not nxt.cap
            and not toks[i].possessive
            and text[toks[i].end : nxt.start] == " "
            and nxt.lower not in w.AFTER
        )

    placey = [place_like(i) for i in range(n)]
    for i in range(n - 1):
        if (toks[i].lower, toks[i + 1].lower) in w.NOT_NAME_PHRASES:
            placey[i] = placey[i + 1] = True
    # Pass 1: each word on its own evidence.
    for i, tok in enumerate(toks):
        tier = tok.tier
        if tier in ("lower", "title"):
            continue
        ctx, after = left(i), right(i)
        person = tok.ner == "PERSON"
        if ctx == "title":
            # Whatever follows a title is a name ("Mrs Green", "Dr A Kowalski"), bar
            # function words and places of work ("Sister on Ward 5" is not capitalised).
            initial = len(tok.text.rstrip(".")) == 1 and i + 1 < n and toks[i + 1].cap
            blocked = (
                tok.lower in STOP_AFTER_TITLE
                or tok.lower in w.ORG_AFTER
                or (tok.lower in lex.not_names and tok.lower not in w.NOT_NAMES)
            )
            tok.name = initial or not blocked
            tok.via = "title"
            continue
        if placey[i] or tier in ("place", "not"):
            continue
        strong = ctx in ("role", "cue")
        if tier == "given":
            tok.name = True
        elif tier == "wordlike":
            tok.name = (
                strong
                or ctx == "weak"
                or after in ("strong", "possessive")
                or (person and after == "verb")
            )
        elif tier == "thinglike":
            tok.name = strong or after == "strong"
        elif tier == "unknown":
            # spaCy's small model often calls a lone unfamiliar name ORG or GPE: its
            # verdict counts against a word only when the word does not look like a name.
            namelike = lex.looks_like_a_name(tok.text)
            against = tok.ner in NER_AGAINST and not namelike
            weak = ctx == "weak" or after in ("verb", "possessive", "and")
            tok.name = (
                strong
                or person
                or (not against and after in ("strong", "possessive"))
                or (not against and ctx == "weak" and after in ("verb", "possessive"))
                or (namelike and weak)
            )
        elif tier == "surname":
            tok.name = strong and person

    # Pass 2: spread along surnames, particles and coordination until nothing changes.
    changed = True
    while changed:
        changed = False
        for i, tok in enumerate(toks):
            if tok.name or tok.tier in ("lower", "not", "title") or placey[i]:
                continue
            prev = toks[i - 1] if i > 0 else None
            nxt = toks[i + 1] if i + 1 < n else None
            namey = tok.tier in ("given", "wordlike", "unknown", "surname", "thinglike") or (
                # A surname that is also a word or a place, after a given name: "Hannah
                # Greaves", "Tom Preston".
                tok.tier in ("word", "place")
                and tok.lower not in w.ORG_AFTER
                and prev is not None
                and (prev.tier == "given" or prev.via == "title" or tok.ner == "PERSON")
            )
            # A surname (or second given name) right after a name: "Grace Adeyemi".
            after_name = bool(
                prev and prev.name and not prev.possessive and gap(i) == " " and namey
            )
            tight = nxt is not None and not tok.possessive and text[tok.end : nxt.start] == " "
            # A first name that is also a word, before a surname: "Will Jones", "Grace
            # Adeyemi".
            before_surname = bool(
                tight
                and nxt
                and nxt.cap
                and tok.tier in ("wordlike", "thinglike")
                and (
                    nxt.name
                    or nxt.tier in ("given", "surname")
                    or (nxt.tier == "unknown" and lex.looks_like_a_name(nxt.text))
                )
            )
            # A family name written first: "Zhou Xin", "Nguyen Van An".
            family_first = bool(
                tight
                and nxt
                and nxt.name
                and nxt.tier == "given"
                and tok.tier in ("surname", "unknown")
            )
            # Coordinated with a name: "Yusuf and Ayesha", "Gareth, Rhiannon, Sioned".
            joined = tok.tier in ("given", "wordlike", "unknown", "surname") and _joined(
                text, toks, i
            )
            if after_name or before_surname or family_first or joined:
                tok.name = True
                if after_name and prev:
                    tok.via = prev.via
            if tok.name:
                changed = True
        # Particles inside a name: "Abdullah bin Rashid", "Sean Ó Murchú".
        for i in range(1, n - 1):
            tok = toks[i]
            if (
                not tok.name
                and tok.lower in PARTICLES
                and toks[i - 1].name
                and toks[i + 1].cap
                and toks[i + 1].tier not in ("not", "title")
                and gap(i) == " "
                and text[tok.end : toks[i + 1].start] in (" ", "")
            ):
                tok.name = toks[i + 1].name = changed = True

    # NER people, less words that are no name on their own ("Teams", "Will" alone).
    for i, tok in enumerate(toks):
        if tok.ner == "PERSON" and tok.cap and not placey[i] and tok.tier in ("given", "unknown"):
            tok.name = True
    return _spans(text, toks)


def _joined(text: str, toks: Sequence[Token], i: int) -> bool:
    """Token i is joined by "and", "&", "or" or a comma to a name next to it."""

    def link(a: int, b: int) -> bool:
        between = text[toks[a].end : toks[b].start].strip().lower()
        return between in (",", "&", "and", ", and", "or", "/")

    # toks[i-1] may be the joining word itself ("and" is a token).
    for j in (i - 1, i - 2):
        if j >= 0 and toks[j].name and not toks[j].possessive:
            if j == i - 1 and link(j, i):
                return True
            if j == i - 2 and toks[i - 1].lower in ("and", "or") and link(j, i):
                return True
    for j in (i + 1, i + 2):
        if j < len(toks) and toks[j].name and not toks[i].possessive:
            if j == i + 1 and link(i, j):
                return True
            if j == i + 2 and toks[i + 1].lower in ("and", "or") and link(i, j):
                return True
    return False


def _spans(text: str, toks: Sequence[Token]) -> list[tuple[int, int]]:
    """Runs of name tokens (and particles between them) as character spans."""
    out: list[tuple[int, int]] = []
    for tok in toks:
        if not tok.name:
            continue
        if (
            out
            and text[out[-1][1] : tok.start] in (" ", "-")
            and not _ends_possessive(text, out[-1][1])
        ):
            out[-1] = (out[-1][0], tok.end)
        else:
            out.append((tok.start, tok.end))
    return out


def _ends_possessive(text: str, end: int) -> bool:
    return text[end : end + 2] in ("'s", "\u2019s")
