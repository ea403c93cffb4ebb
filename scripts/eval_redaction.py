"""Score the redactor on the labelled sets in annotations/redaction/: prints a table, writes JSON.

Span level. A gold span counts as *found* when redacted spans cover every one of its non-space
characters, whatever kind the redactor gave (a half-masked name still leaks). A redacted span
counts as *correct* when it overlaps a gold span. Recall is per gold kind, precision per kind
the redactor gave.

    .venv/bin/python scripts/eval_redaction.py                # development sets, table only
    .venv/bin/python scripts/eval_redaction.py --show         # ... and each miss and false alarm
    .venv/bin/python scripts/eval_redaction.py --held-out     # the held-out part: run ONCE

``--held-out`` scores ``workshop_heldout.jsonl`` and writes ``heldout_result.json`` with a
timestamp, the redactor's version and the held-out file's hash. It refuses to run when that
file exists; ``--again REASON`` appends a further run, so every look at the held-out part
stays on record. Output never holds contribution text, except with ``--show``, which is
refused for the held-out part.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coder.data.redact import MODEL, PLACEHOLDERS, Redactor, Score, score

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "annotations" / "redaction"
DEV_SETS = {
    "workshop dev": FOLDER / "workshop_dev.jsonl",
    "first set (all)": FOLDER / "contributions.jsonl",
}
HELD_OUT = FOLDER / "workshop_heldout.jsonl"
HELD_OUT_RESULT = FOLDER / "heldout_result.json"


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def as_dict(result: Score, records: int) -> dict[str, Any]:
    kinds = sorted(set(result.by_kind) | set(result.found_by_kind), key=list(PLACEHOLDERS).index)
    by_kind = {}
    for k in kinds:
        gold, recalled = result.by_kind.get(k, (0, 0))
        found, correct = result.found_by_kind.get(k, (0, 0))
        by_kind[k] = {
            "gold": gold,
            "recalled": recalled,
            "recall": round(recalled / gold, 4) if gold else None,
            "found": found,
            "correct": correct,
            "precision": round(correct / found, 4) if found else None,
        }
    return {
        "records": records,
        "overall": {
            "gold": result.gold,
            "recalled": result.recalled,
            "recall": round(result.recall, 4),
            "found": result.found,
            "correct": result.correct,
            "precision": round(result.precision, 4),
        },
        "by_kind": by_kind,
        "misses": [list(m) for m in result.misses],
        "false_alarms": [list(a) for a in result.false_alarms],
    }


def table(name: str, result: dict[str, Any]) -> str:
    def cell(v: float | None) -> str:
        return "-" if v is None else f"{v:.3f}"

    rows = [f"{name} ({result['records']} records)"]
    rows.append(
        f"  {'kind':<11} {'gold':>5} {'found':>6} {'recall':>7}  {'redacted':>8}"
        f" {'correct':>7} {'precision':>9}"
    )
    for kind, r in [*result["by_kind"].items(), ("overall", result["overall"])]:
        rows.append(
            f"  {kind:<11} {r['gold']:>5} {r['recalled']:>6} {cell(r['recall']):>7}  "
            f"{r['found']:>8} {r['correct']:>7} {cell(r['precision']):>9}"
        )
    return "\n".join(rows)


def show(records: list[dict[str, Any]], found: list[list[Any]]) -> None:
    """Each miss and false alarm with its text piece: for the development sets only."""
    for rec, spans in zip(records, found, strict=True):
        text = rec["text"]
        covered = {i for s in spans for i in range(s.start, s.end)}
        for g in rec["spans"]:
            need = {i for i in range(g["start"], g["end"]) if not text[i].isspace()}
            if not need <= covered:
                print(f"  MISS  {rec['id']} {g['kind']}: {text[g['start'] : g['end']]!r}  | {text}")
        for s in spans:
            if not any(s.start < g["end"] and g["start"] < s.end for g in rec["spans"]):
                print(f"  FALSE {rec['id']} {s.kind}: {text[s.start : s.end]!r}  | {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held-out", action="store_true", help="score the held-out part (once)")
    parser.add_argument("--again", metavar="REASON", help="append another held-out run")
    parser.add_argument("--show", action="store_true", help="print misses (development only)")
    parser.add_argument("--rules", action="store_true", help="patterns and rules only, no NER")
    parser.add_argument("--json", type=Path, help="where to write the JSON (development sets)")
    args = parser.parse_args(argv)
    redactor = Redactor(None if args.rules else MODEL)

    if args.held_out:
        if args.show:
            parser.error("--show is for the development sets only")
        previous: list[dict[str, Any]] = []
        if HELD_OUT_RESULT.exists():
            if not args.again:
                print(
                    f"{HELD_OUT_RESULT.relative_to(ROOT)} exists: the held-out part was scored "
                    "already. Give --again REASON to score it again (the run is appended).",
                    file=sys.stderr,
                )
                return 1
            previous = json.loads(HELD_OUT_RESULT.read_text(encoding="utf-8"))["runs"]
        sets = {"workshop held-out": HELD_OUT}
    else:
        sets = DEV_SETS

    out: dict[str, Any] = {}
    for name, path in sets.items():
        records = read(path)
        start = time.perf_counter()
        found = redactor.find([r["text"] for r in records])
        seconds = time.perf_counter() - start
        result = as_dict(score(records, found), len(records))
        result |= {"file": str(path.relative_to(ROOT)), "sha256": sha256(path)}
        result["seconds"] = round(seconds, 2)
        out[name] = result
        print(table(name, result))
        if args.show:
            show(records, found)

    run = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "redactor": redactor.key,
        "command": " ".join(["scripts/eval_redaction.py", *(argv or sys.argv[1:])]),
        "sets": out,
    }
    if args.held_out:
        if args.again:
            run["reason"] = args.again
        HELD_OUT_RESULT.write_text(
            json.dumps({"runs": [*previous, run]}, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote {HELD_OUT_RESULT.relative_to(ROOT)}")
    elif args.json:
        args.json.write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
