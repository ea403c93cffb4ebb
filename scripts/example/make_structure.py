"""Draw the structure of the bundled example workshop (ids, codes, net votes, comment slots).

This is step one of two in making the example (see ``coder/data/example/README.md``):

1. this script fixes, from a seed, which ideas exist, which question each was posted in and is
   analysed under, its gold codes, its net votes and how many comments it gets, such that the
   crosstabs equal ``../shared/seed/report_tables.md``; it writes ``scripts/example/slots.json``;
2. texts were then written for every slot (``scripts/example/texts/*.json``), and
   ``scripts/example/build_example.py`` assembles the CSV files shipped with the package.

Run: ``python scripts/example/make_structure.py`` (deterministic; rerunning rewrites the same file).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SEED = 20171122
HERE = Path(__file__).parent

# Table 2 (question I): theme -> (ideas, net votes).
VISION = {
    "Vision: improve the health and wellbeing of individuals and populations": (11, 127),
    "Driving innovation, quality and efficiency": (27, 336),
    "Empowered patients": (10, 97),
    "Empowered staff": (7, 63),
    "Integration of services": (31, 375),
}
H, D, EP, ES, INT = VISION
VISION_PAIRS = (
    [(INT, D)] * 4 + [(H, INT)] * 2 + [(EP, H)] * 2 + [(ES, D)] * 2 + [(EP, INT), (ES, INT)]
)

LIT = [
    "Collaboration",
    "Data literacy",
    "Innovation",
    "Leadership and culture",
    "Learning",
    "Professionalism",
    "Using technology",
]
RD = ["Attitudes", "Drivers", "Skills", "Tech"]


def _grid(rows: dict[str, list[tuple[int, int] | None]]) -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    for lit, cells in rows.items():
        for rd, cell in zip(RD, cells, strict=True):
            if cell is not None:
                out[(lit, rd)] = cell
    return out


# Tables 3/4, 5/6 (Drivers + Skills split by us, as report_tables.md allows) and 7/8.
CELLS = {
    "II": _grid(
        {
            "Collaboration": [(4, 41), (1, 4), (3, 11), (1, 30)],
            "Data literacy": [(1, 7), None, (6, 25), (1, 22)],
            "Innovation": [None, (1, 8), (1, 2), None],
            "Leadership and culture": [(1, 4), (1, 5), None, (1, 17)],
            "Learning": [(2, 11), None, (2, 13), None],
            "Professionalism": [(1, 13), (1, 17), (8, 52), (3, 14)],
            "Using technology": [None, None, (3, 17), (4, 47)],
        }
    ),
    "III": _grid(
        {
            "Collaboration": [(1, 3), (1, 10), (2, 18), (1, 6)],
            "Data literacy": [None, None, (2, 11), (1, 10)],
            "Innovation": [(2, 2), None, None, (1, 6)],
            "Leadership and culture": [(4, 22), (1, 6), None, (1, 22)],
            "Learning": [None, (1, 14), (4, 72), None],
            "Professionalism": [(4, 22), (1, 1), (1, 3), None],
            "Using technology": [(1, 3), (1, 7), (3, 26), (2, 23)],
        }
    ),
    "IV": _grid(
        {
            "Collaboration": [(2, 55), (1, 3), None, (3, 33)],
            "Data literacy": [(1, 24), None, None, (1, 22)],
            "Innovation": [(1, 3), None, None, None],
            "Leadership and culture": [(1, 13), None, (1, 20), None],
            "Learning": [None, (2, 28), (12, 203), None],
            "Professionalism": [None, (1, 6), (2, 40), None],
            "Using technology": [(2, 41), None, (5, 63), (4, 54)],
        }
    ),
}
# Ideas coded to two cells: (literacy codes, readiness codes).
TWO_CELL = {
    "II": [
        (["Professionalism"], ["Skills", "Tech"]),
        (["Collaboration"], ["Attitudes", "Skills"]),
        (["Data literacy", "Using technology"], ["Skills"]),
    ],
    "III": [(["Learning"], ["Drivers", "Skills"]), (["Using technology"], ["Skills", "Tech"])],
    "IV": [(["Learning"], ["Drivers", "Skills"]), (["Using technology"], ["Skills", "Tech"])],
}

NOT_RELEVANT = {"I": 2, "II": 1, "III": 1, "IV": 1}
OTHER_IDEAS = 39
# Table 1 contributions per question, and our split into ideas and comments.
CONTRIBUTIONS = {"I": 1467, "II": 796, "III": 454, "IV": 1084, "Other": 361}
COMMENTS = {"I": 160, "II": 87, "III": 49, "IV": 118, "Other": 39}
DOWNVOTES = {"I": 61, "II": 33, "III": 18, "IV": 46, "Other": 14}  # 172 of 3,478: 4.95%
# Ideas the analysts moved: (posted in, analysed under, how many).
MOVES = [
    ("Other", "IV", 2),
    ("II", "III", 1),
    ("III", "II", 1),
    ("I", "Other", 1),
    ("IV", "III", 1),
]
STANCES = ["agree", "agree", "agree", "build", "build", "example", "question", "challenge"]


def split_total(rng: random.Random, total: int, n: int, spread: float = 1.2) -> list[int]:
    """Split ``total`` net votes over ``n`` ideas, skewed like real voting (a few popular ideas)."""
    if n == 0:
        if total != 0:
            raise ValueError(f"{total} net votes left for no idea")
        return []
    if n == 1:
        return [total]
    weights = [rng.gammavariate(spread, 1.0) for _ in range(n)]
    scale = total / sum(weights)
    parts = [int(w * scale) for w in weights]
    for i in rng.sample(range(n), k=n):
        if sum(parts) == total:
            break
        parts[i] += 1 if sum(parts) < total else -1
    while sum(parts) != total:  # total smaller than n or negative: adjust one by one
        i = rng.randrange(n)
        parts[i] += 1 if sum(parts) < total else -1
    return parts


def words(rng: random.Random, lo: int, hi: int, median: float) -> int:
    return max(lo, min(hi, int(rng.lognormvariate(0, 0.45) * median)))


def main() -> None:
    rng = random.Random(SEED)
    ideas: list[dict[str, Any]] = []

    # Question I: vision themes.
    counts = {k: list(v) for k, v in VISION.items()}
    for pair in VISION_PAIRS:
        net = rng.randint(4, 14)
        ideas.append({"question": "I", "codes": {"vision": list(pair)}, "net": net})
        for theme in pair:
            counts[theme][0] -= 1
            counts[theme][1] -= net
    for theme, (n, v) in counts.items():
        for net in split_total(rng, v, n):
            ideas.append({"question": "I", "codes": {"vision": [theme]}, "net": net})

    # Questions II-IV: literacy x readiness cells.
    for q, cells in CELLS.items():
        left = {k: list(v) for k, v in cells.items()}
        for lits, rds in TWO_CELL[q]:
            keys = [(lit, rd) for lit in lits for rd in rds]
            forced = {left[k][1] for k in keys if left[k][0] == 1}
            cap = min(left[k][1] - (left[k][0] - 1) for k in keys)
            net = forced.pop() if forced else max(1, min(cap, rng.randint(6, 14)))
            ideas.append({"question": q, "codes": {"literacy": lits, "readiness": rds}, "net": net})
            for k in keys:
                left[k][0] -= 1
                left[k][1] -= net
        for (lit, rd), (n, v) in left.items():
            for net in split_total(rng, v, n):
                ideas.append(
                    {"question": q, "codes": {"literacy": [lit], "readiness": [rd]}, "net": net}
                )

    reasons = [
        "off topic: a question about logging in to the workshop",
        "off topic: car parking and travel expenses",
        "duplicate of another idea by the same author",
        "a test post",
        "off topic: a pay and banding grievance",
    ]
    for q, n in NOT_RELEVANT.items():
        for _ in range(n):
            ideas.append(
                {
                    "question": q,
                    "codes": {},
                    "net": rng.randint(0, 4),
                    "not_relevant": reasons.pop(0),
                }
            )
    for net in split_total(rng, 150, OTHER_IDEAS, spread=0.9):
        ideas.append({"question": "Other", "codes": {}, "net": net})

    rng.shuffle(ideas)
    for i, idea in enumerate(ideas, 1):
        idea["idea_id"] = f"idea-{i:03d}"
        idea["posted_question"] = idea["question"]
        idea["words"] = words(rng, 18, 118, 52)
    for posted, analysed, n in MOVES:
        pool = [
            i
            for i in ideas
            if i["question"] == analysed
            and i["posted_question"] == analysed
            and not i.get("not_relevant")
        ]
        for idea in rng.sample(pool, n):
            idea["posted_question"] = posted

    # Comments: spread over each question's ideas, more on popular ones.
    cid = 0
    for q, n_comments in COMMENTS.items():
        qideas = [i for i in ideas if i["question"] == q]
        weights = [max(i["net"], 0) + 3 for i in qideas]
        for idea in qideas:
            idea["comments"] = []
        for _ in range(n_comments):
            idea = rng.choices(qideas, weights)[0]
            cid += 1
            comment = {
                "comment_id": f"com-{cid:04d}",
                "words": words(rng, 8, 90, 30),
                "stance": rng.choice(STANCES),
            }
            if idea["comments"] and rng.random() < 0.2:
                comment["in_reply_to"] = rng.choice(idea["comments"])["comment_id"]
                comment["stance"] = "reply"
            idea["comments"].append(comment)

    out = {
        "seed": SEED,
        "contributions": CONTRIBUTIONS,
        "downvotes": DOWNVOTES,
        "ideas": sorted(ideas, key=lambda i: i["idea_id"]),
    }
    (HERE / "slots.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(ideas)} ideas, {cid} comments -> {HERE / 'slots.json'}")


if __name__ == "__main__":
    main()
