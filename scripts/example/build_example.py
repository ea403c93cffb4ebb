"""Assemble the bundled example workshop from its structure and texts (step two of two).

Reads ``scripts/example/slots.json`` (from ``make_structure.py``) and the texts in
``scripts/example/texts/part_*.json``, draws participants, authors, voters, times and two coders'
codings from a fixed seed, and writes the files of ``coder/data/example/``. The questionnaire
margins are those of ``../shared/seed/report_tables.md`` (appendix). Deterministic: rerunning
rewrites the same bytes.

It also writes every simulated person's answer for every gold-coded idea (``coder_answers.csv``
for the two coders, ``reviewer_answers.csv`` for a reviewer), from a separate seed, so that
the other files do not depend on them.

Run: ``python scripts/example/build_example.py`` (everything), or
``python scripts/example/build_example.py --answers-only`` (only the two answer files, from
``slots.json`` and the committed ``coder_codings.csv``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
OUT = HERE.parent.parent / "coder" / "data" / "example"
SEED = 20171213
START = dt.datetime(2017, 11, 22, 8, 0, tzinfo=dt.UTC)
END = dt.datetime(2017, 12, 13, 17, 0, tzinfo=dt.UTC)
CODERS = ("alex@example.org", "sam@example.org")
REVIEWER = "rev@example.org"
REVIEWER_SCALE = 0.6  # the reviewer slips at 0.6 times the coders' rates
ANSWERS_SEED = 20171214  # its own stream: the answers never change the other files

# (column, [(answer, participants, contributors or None)])
Q = list[tuple[str, list[tuple[str, int, int | None]]]]
ROLES = """Accountant 1/1; Administrator 28/9; CCIO 30/15; CEO 17/10; CIO 32/21;
Clinical coder 10/6; Clinical informatician 62/32; Data analyst 72/27; Database administrator 9/2;
Dentist 7/2; Director 41/7; Doctor 85/32; Estates and facilities 1/1; Futurologist 12/7;
Health records manager 1/1; Healthcare scientists 8/3; Helpdesk worker 4/3;
Information manager 57/24; IT director 18/7; IT manager 68/31; Knowledge manager 19/6;
Librarian 15/7; Nurse/AHP/HSW 59/22; Other data worker 4/2;
Other information worker 51/19; Other knowledge worker 36/15; Other technology worker 65/28;
Pharmacist 23/8; Project manager 124/49; Researcher 34/17; Service manager 41/19;
Social technologist 7/4; Software developer 20/11"""
AGREE = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
COUNTIES = """Bath and North East Somerset 3; Bedfordshire 3; Berkshire 7; Bristol 13;
Buckinghamshire 6; Cambridgeshire 6; Cheshire 23; Cornwall 17; County Durham 4; Cumbria 7;
Derbyshire 7; Devon 42; Dorset 13; East Riding of Yorkshire 6; East Sussex 12; England 92; Essex 13;
Gloucestershire 22; Greater London 167; Greater Manchester 71; Hampshire 24; Herefordshire 2;
Hertfordshire 16; Isle of Wight 2; Kent 12; Lancashire 35; Leicestershire 4; Lincolnshire 3;
Merseyside 35; Norfolk 7; North Somerset 1; North Yorkshire 11; Northamptonshire 2;
Northern Ireland 5; Northumberland 1; Nottinghamshire 21; Outside the UK 29; Oxfordshire 9;
Scotland 16; Shropshire 5; Somerset 9; South Gloucestershire 2; South Yorkshire 20; Staffordshire 9;
Suffolk 8; Tyne and Wear 23; Wales 13; Warwickshire 8; West Midlands 54; West Sussex 4;
West Yorkshire 111; Wiltshire 9; Worcestershire 3"""
EMPLOYERS = """Academic institution 48; Acute Trust 313; Ambulance Trust 11; Arm's Length Body 115;
CCG 52; Charity 16; Community Health Trust 37; Education/training organisation 34;
General Practice 30; Local Authority 15; Mental Health Trust 69; Other 85; Primary care 25;
Private healthcare provider 10; Private sector (large organisation) 41; Private sector (SME) 61;
Professional body 19; Public sector organisation (other) 78; Voluntary sector 2"""


def _parse(spec: str, with_contributors: bool = False) -> list[tuple[str, int, int | None]]:
    out: list[tuple[str, int, int | None]] = []
    for item in " ".join(spec.split()).split(";"):
        name, _, num = item.strip().rpartition(" ")
        if with_contributors:
            p, c = num.split("/")
            out.append((name, int(p), int(c)))
        else:
            out.append((name, int(num), None))
    return out


def questionnaire() -> Q:
    def plain(pairs: list[tuple[str, int]]) -> list[tuple[str, int, int | None]]:
        return [(a, n, None) for a, n in pairs]

    return [
        ("Q1. How would you describe your work role?", _parse(ROLES, True)),
        (
            "Q2. How involved with digital/knowledge/technology/informatics are you?",
            [
                ("Less than 25% of my time", 131, 71),
                ("25-49% of my time", 160, 80),
                ("50-75% of my time", 210, 46),
                ("It is my full-time job", 560, 251),
            ],
        ),
        (
            "Q3. Compared to most people in health and care, I feel I am...",
            [
                ("Digitally leading", 551, 250),
                ("Digital ready", 404, 163),
                ("Digitally worried", 95, 33),
                ("Digitally lost", 11, 2),
            ],
        ),
        (
            "Q4. Having a more digitally ready workforce will...",
            plain(
                [
                    ("Make a large improvement", 960),
                    ("Make a small improvement", 92),
                    ("Make no difference", 7),
                    ("Be a step back for health and care", 2),
                ]
            ),
        ),
        (
            "Q5. Any benefits of a more digitally ready workforce will be felt by...",
            plain(
                [
                    ("Everyone", 972),
                    ("Mostly clinicians", 10),
                    ("Mostly informaticians/digital practitioners", 17),
                    ("Mostly non-clinicians", 11),
                    ("Mostly patients/service users", 46),
                    ("Right now, I can't see any benefits", 5),
                ]
            ),
        ),
        (
            "Q6. People with digital skills should help others to develop their skills.",
            plain(list(zip(AGREE, [704, 313, 40, 4, 0], strict=True))),
        ),
        (
            "Q7. Within my organisation we have programmes improving the digital readiness of our "
            "workforce.",
            plain(list(zip(AGREE, [194, 428, 288, 124, 27], strict=True))),
        ),
        (
            "Q8. I feel empowered to improve the digital readiness of the people in my "
            "organisation.",
            plain(list(zip(AGREE, [236, 448, 258, 98, 21], strict=True))),
        ),
        (
            "Q9. How likely are you to recommend the organisation to a family member needing care "
            "or treatment?",
            plain(
                [
                    ("Recommend", 624),
                    ("Neither/don't know", 97),
                    ("Not recommend", 15),
                    ("Not applicable - my organisation does not provide care or treatment", 325),
                ]
            ),
        ),
        (
            "Q10. How likely are you to recommend your organisation as a place to work?",
            plain([("Recommend", 802), ("Neither/don't know", 189), ("Not recommend", 70)]),
        ),
        (
            "Q11. How long have you been in your current role?",
            plain(
                [
                    ("Less than a year", 219),
                    ("1-3 years", 358),
                    ("4-6 years", 167),
                    ("7 years plus", 317),
                ]
            ),
        ),
        ("Q12. In which type of organisation are you substantively employed?", _parse(EMPLOYERS)),
        (
            "Q13. In which county or country are you substantively employed?",
            [*_parse(COUNTIES), ("Not stated", 14, None)],
        ),
        (
            "Q14. What gender are you/do you prefer to be recognised as?",
            plain([("Female", 489), ("Male", 568), ("Other", 4)]),
        ),
        (
            "Q15. How old are you?",
            plain([("Under 25", 22), ("25-40", 316), ("40-65", 703), ("Over 65", 20)]),
        ),
    ]


def participants(rng: random.Random) -> tuple[list[dict[str, str]], list[str]]:
    """1,061 participants whose answers and contributor status meet every published margin."""
    n, n_contrib = 1061, 448
    ids = [f"P{i:04d}" for i in range(1, n + 1)]
    contrib = set(rng.sample(ids, n_contrib))
    rows: dict[str, dict[str, str]] = {pid: {"participant_id": pid} for pid in ids}
    for column, answers in questionnaire():
        assert sum(a[1] for a in answers) == n, column
        with_c = answers[0][2] is not None
        groups = [sorted(contrib), sorted(set(ids) - contrib)] if with_c else [ids]
        for g, members in enumerate(groups):
            pool: list[str] = []
            for answer, p, c in answers:
                k = p if not with_c else (c if g == 0 else p - (c or 0))
                pool += [answer] * int(k or 0)
            assert len(pool) == len(members), column
            rng.shuffle(pool)
            for pid, answer in zip(members, pool, strict=True):
                rows[pid][column] = "" if answer == "Not stated" else answer
    return [rows[pid] for pid in ids], sorted(contrib)


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def between(rng: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    return lo + dt.timedelta(seconds=rng.randint(0, max(1, int((hi - lo).total_seconds()))))


def contributions(
    rng: random.Random, slots: dict[str, Any], texts: dict[str, Any], contributors: list[str]
) -> tuple[list[dict[str, str]], ...]:
    """Ideas, comments and votes: authors, voters and times drawn; net votes as in the slots."""
    activity = {p: rng.lognormvariate(0, 1.1) for p in contributors}
    authors = rng.sample(contributors, 150)
    commenters = rng.sample(contributors, 230)
    ideas, comments, votes = [], [], []
    targets: list[tuple[str, str, int, int, dt.datetime]] = []  # id, author, up, down, time
    for slot in slots["ideas"]:
        t = between(rng, START, END - dt.timedelta(days=2))
        author = rng.choice(authors)
        ideas.append(
            {
                "idea_id": slot["idea_id"],
                "question": slot["posted_question"],
                "text": texts[slot["idea_id"]]["text"],
                "author_id": author,
                "created_at": stamp(t),
            }
        )
        slot["_time"], slot["_author"] = t, author
        for c in slot["comments"]:
            ct = between(rng, t, END)
            comments.append(
                {
                    "comment_id": c["comment_id"],
                    "idea_id": slot["idea_id"],
                    "text": texts[slot["idea_id"]]["comments"][c["comment_id"]],
                    "author_id": rng.choice(commenters),
                    "in_reply_to": c.get("in_reply_to", ""),
                    "created_at": stamp(ct),
                }
            )
            c["_time"] = ct
    comment_author = {c["comment_id"]: c["author_id"] for c in comments}
    by_q: dict[str, list[dict[str, Any]]] = {}
    for slot in slots["ideas"]:
        by_q.setdefault(slot["question"], []).append(slot)
    for q, qslots in by_q.items():
        total = slots["contributions"][q] - len(qslots) - sum(len(s["comments"]) for s in qslots)
        downs = slots["downvotes"][q]
        idea_downs = round(0.6 * downs)
        down = {s["idea_id"]: max(0, -s["net"]) for s in qslots}
        for _ in range(idea_downs - sum(down.values())):
            s = rng.choices(qslots, [max(s["net"], 0) + 2 for s in qslots])[0]
            down[s["idea_id"]] += 1
        used = 0
        for s in qslots:
            up = s["net"] + down[s["idea_id"]]
            used += up + down[s["idea_id"]]
            targets.append((s["idea_id"], s["_author"], up, down[s["idea_id"]], s["_time"]))
        qcomments = [c for s in qslots for c in s["comments"]]
        left = total - used
        c_downs = downs - sum(down.values())
        assert left >= c_downs >= 0, (q, left, c_downs)
        weights = [rng.gammavariate(1.0, 1.0) for _ in qcomments]
        counts = Counter(rng.choices(range(len(qcomments)), weights, k=left))
        cdown = Counter(rng.choices([i for i in counts for _ in range(counts[i])], k=c_downs))
        while any(cdown[i] > counts[i] for i in cdown):  # never more downs than votes
            cdown = Counter(rng.choices([i for i in counts for _ in range(counts[i])], k=c_downs))
        for i, c in enumerate(qcomments):
            targets.append(
                (
                    c["comment_id"],
                    comment_author[c["comment_id"]],
                    counts[i] - cdown[i],
                    cdown[i],
                    c["_time"],
                )
            )
    people = list(activity)
    weights = [activity[p] for p in people]
    voted: dict[str, set[str]] = {}
    for target, author, up, dn, t in targets:
        chosen: set[str] = set()
        while len(chosen) < up + dn:
            p = rng.choices(people, weights)[0]
            if p != author:
                chosen.add(p)
        voted[target] = chosen
        order = sorted(chosen)
        rng.shuffle(order)
        for k, p in enumerate(order):
            votes.append(
                {
                    "voter_id": p,
                    "target_id": target,
                    "value": "+1" if k < up else "-1",
                    "created_at": stamp(between(rng, t, END)),
                }
            )
    # Every contributor contributed: hand a vote of a busy voter to each idle contributor.
    active = Counter(v["voter_id"] for v in votes)
    active.update(i["author_id"] for i in ideas)
    active.update(c["author_id"] for c in comments)
    owner = {i["idea_id"]: i["author_id"] for i in ideas} | comment_author
    for p in contributors:
        if active[p]:
            continue
        for v in rng.sample(votes, len(votes)):
            if (
                active[v["voter_id"]] > 3
                and p not in voted[v["target_id"]]
                and owner[v["target_id"]] != p
            ):
                active[v["voter_id"]] -= 1
                voted[v["target_id"]].add(p)
                v["voter_id"] = p
                active[p] += 1
                break
    return ideas, comments, votes


# Codes a coder may confuse with the gold code, and how often (abstract codes more often).
CONFUSE = {
    "vision": {
        "Vision: improve the health and wellbeing of individuals and populations": (
            0.22,
            ["Empowered patients", "Integration of services"],
        ),
        "Driving innovation, quality and efficiency": (
            0.10,
            ["Empowered staff", "Integration of services"],
        ),
        "Empowered patients": (
            0.08,
            ["Vision: improve the health and wellbeing of individuals and populations"],
        ),
        "Empowered staff": (0.25, ["Driving innovation, quality and efficiency"]),
        "Integration of services": (0.06, ["Driving innovation, quality and efficiency"]),
    },
    "literacy": {
        "Collaboration": (0.08, ["Leadership and culture"]),
        "Data literacy": (0.07, ["Using technology", "Learning"]),
        "Innovation": (0.25, ["Using technology", "Leadership and culture"]),
        "Leadership and culture": (0.20, ["Collaboration", "Professionalism"]),
        "Learning": (0.06, ["Professionalism"]),
        "Professionalism": (0.15, ["Learning", "Leadership and culture"]),
        "Using technology": (0.07, ["Innovation", "Data literacy"]),
    },
    "readiness": {
        "Attitudes": (0.20, ["Drivers"]),
        "Drivers": (0.28, ["Attitudes", "Skills"]),
        "Skills": (0.06, ["Drivers"]),
        "Tech": (0.06, ["Skills"]),
    },
}


def simulated_coding(
    rng: random.Random, slot: dict[str, Any], scale: float = 1.0
) -> dict[str, Any]:
    """One coder's coding of an idea: the gold codes with realistic, code-dependent slips.

    ``scale`` multiplies every slip rate (1.0 for the two coders, less for a careful reviewer).
    """
    if slot.get("not_relevant"):
        if rng.random() < 1 - 0.2 * scale:
            return {"not_relevant": "off topic"}
        frames = {"I": ["vision"]}.get(slot["question"], ["literacy", "readiness"])
        return {"codes": {f: [rng.choice(list(CONFUSE[f]))] for f in frames}}
    if rng.random() < 0.02 * scale:
        return {"not_relevant": "not about digital readiness"}
    codes: dict[str, list[str]] = {}
    for frame, gold in slot["codes"].items():
        chosen = []
        for code in gold:
            rate, alternatives = CONFUSE[frame][code]
            chosen.append(rng.choice(alternatives) if rng.random() < rate * scale else code)
        if rng.random() < 0.08 * scale:  # an extra code the gold coding did not give
            rate, alternatives = CONFUSE[frame][gold[0]]
            chosen.append(rng.choice(alternatives))
        if len(gold) > 1 and rng.random() < 0.3 * scale:  # missing one of two gold codes
            chosen.remove(rng.choice(chosen))
        codes[frame] = sorted(set(chosen))
    return {"codes": codes}


def coding_rows(coder: str, idea_id: str, coding: dict[str, Any]) -> list[dict[str, str]]:
    if "not_relevant" in coding:
        return [
            {
                "idea_id": idea_id,
                "coder": coder,
                "frame": "",
                "code": "not_relevant",
                "reason": coding["not_relevant"],
            }
        ]
    return [
        {"idea_id": idea_id, "coder": coder, "frame": f, "code": c, "reason": ""}
        for f, codes in coding["codes"].items()
        for c in codes
    ]


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_answers(slots: dict[str, Any], coder_rows: list[dict[str, str]]) -> None:
    """Every simulated person's answer for every gold-coded idea (synthetic, never the gold).

    ``coder_answers.csv``: the two coders' codings of every idea the gold coding codes or
    excludes; where ``coder_rows`` (the coders' sample) holds a coder's coding of an idea, that
    coding is copied as it is, otherwise it is drawn with the same slips. ``reviewer_answers.csv``:
    the reviewer's codings of the same ideas, slipping at ``REVIEWER_SCALE`` times the rates.
    """
    rng = random.Random(ANSWERS_SEED)
    gold = sorted(
        (s for s in slots["ideas"] if s.get("not_relevant") or s["codes"]),
        key=lambda s: str(s["idea_id"]),
    )
    sample: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in coder_rows:
        sample.setdefault((r["coder"], r["idea_id"]), []).append(dict(r))
    answers: list[dict[str, str]] = []
    for coder in CODERS:
        for s in gold:
            known = sample.get((coder, s["idea_id"]))
            answers += known or coding_rows(coder, s["idea_id"], simulated_coding(rng, s))
    reviewer: list[dict[str, str]] = []
    for s in gold:
        reviewer += coding_rows(REVIEWER, s["idea_id"], simulated_coding(rng, s, REVIEWER_SCALE))
    write_csv(OUT / "coder_answers.csv", answers)
    write_csv(OUT / "reviewer_answers.csv", reviewer)


def answers_only() -> None:
    """Write only the two answer files, from ``slots.json`` and the committed coders' sample."""
    slots = json.loads((HERE / "slots.json").read_text())
    with (OUT / "coder_codings.csv").open(encoding="utf-8", newline="") as f:
        coder_rows = list(csv.DictReader(f))
    write_answers(slots, coder_rows)
    print("wrote coder_answers.csv and reviewer_answers.csv")


def main() -> None:
    rng = random.Random(SEED)
    slots = json.loads((HERE / "slots.json").read_text())
    texts: dict[str, Any] = {}
    for part in sorted((HERE / "texts").glob("part_*.json")):
        texts.update(json.loads(part.read_text()))
    people, contrib = participants(rng)
    ideas, comments, votes = contributions(rng, slots, texts, contrib)
    OUT.mkdir(parents=True, exist_ok=True)
    write_csv(OUT / "participants.csv", people)
    write_csv(OUT / "ideas.csv", ideas)
    write_csv(OUT / "comments.csv", comments)
    write_csv(OUT / "votes.csv", votes)
    write_csv(
        OUT / "moves.csv",
        [
            {
                "idea_id": s["idea_id"],
                "to_question": s["question"],
                "reason": f"posted under {s['posted_question']}, answers question {s['question']}",
            }
            for s in slots["ideas"]
            if s["posted_question"] != s["question"]
        ],
    )
    gold = []
    for s in slots["ideas"]:
        if s.get("not_relevant"):
            gold += coding_rows("gold", s["idea_id"], {"not_relevant": s["not_relevant"]})
        elif s["codes"]:
            gold += coding_rows("gold", s["idea_id"], {"codes": s["codes"]})
    write_csv(OUT / "gold_coding.csv", gold)
    # Two coders: 60 ideas coded by both, 60 more each; stratified by question.
    codable = [s for s in slots["ideas"] if s["question"] != "Other"]
    by_q: dict[str, list[dict[str, Any]]] = {}
    for s in codable:
        by_q.setdefault(s["question"], []).append(s)
    shared: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []
    quota = {q: 60 * len(v) / len(codable) for q, v in by_q.items()}
    k_of = {q: int(x) for q, x in quota.items()}
    for q in sorted(quota, key=lambda q: k_of[q] - quota[q])[: 60 - sum(k_of.values())]:
        k_of[q] += 1
    for q in sorted(by_q):
        pool = rng.sample(by_q[q], len(by_q[q]))
        k = k_of[q]
        shared += pool[:k]
        own += pool[k:]
    own = rng.sample(own, 120)
    rows = []
    for coder, extra in zip(CODERS, (own[:60], own[60:]), strict=True):
        for s in sorted(shared + extra, key=lambda s: s["idea_id"]):
            rows += coding_rows(coder, s["idea_id"], simulated_coding(rng, s))
    write_csv(OUT / "coder_codings.csv", rows)
    write_answers(slots, rows)
    order = {column: [a for a, _, _ in answers] for column, answers in questionnaire()}
    (OUT / "questionnaire.yaml").write_text(
        yaml.safe_dump(order, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    print(
        f"{len(people)} participants ({len(contrib)} contributors), {len(ideas)} ideas, "
        f"{len(comments)} comments, {len(votes)} votes; {len(shared)} ideas double-coded"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build the bundled example workshop.")
    parser.add_argument(
        "--answers-only",
        action="store_true",
        help="write only coder_answers.csv and reviewer_answers.csv",
    )
    if parser.parse_args().answers_only:
        answers_only()
    else:
        main()
