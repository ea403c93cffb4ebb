"""Build the second redaction set from its marked-up source and split it, with a fixed seed.

``annotations/redaction/workshop.marked.txt`` holds one contribution per line with its
personal data marked inline (``[N:Siobhan]``, ``[E:...]``, ``[P:...]``, ``[H:...]``,
``[C:...]``). This script strips the marks, records the exact character spans, numbers the
records ``ws-001``... in file order, shuffles the ids with :data:`SEED` and writes the first
:data:`DEV_SHARE` of them to ``workshop_dev.jsonl`` and the rest to ``workshop_heldout.jsonl``.
The split was made once, before the redactor was run on any of these texts; re-running the
script reproduces the same files (``--check`` verifies that without writing).

Prints counts only, never contribution text::

    .venv/bin/python scripts/build_redaction_set.py [--check]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "annotations" / "redaction"
SOURCE = FOLDER / "workshop.marked.txt"
SEED = 20240612
DEV_SHARE = 0.4
KINDS = {"N": "NAME", "E": "EMAIL", "P": "PHONE", "H": "NHS_NUMBER", "C": "POSTCODE"}
MARK = re.compile(r"\[([NEPHC]):([^\[\]]+)\]")


class SourceError(ValueError):
    """A line of the marked source that cannot be read."""


def parse_line(line: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text of one marked line and its spans (``start``, ``end``, ``kind``)."""
    parts: list[str] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    length = 0
    for m in MARK.finditer(line):
        before = line[pos : m.start()]
        parts.append(before)
        length += len(before)
        piece = m.group(2)
        if piece != piece.strip():
            raise SourceError(f"a marked span has spaces at its ends: {m.group()!r}")
        spans.append({"start": length, "end": length + len(piece), "kind": KINDS[m.group(1)]})
        parts.append(piece)
        length += len(piece)
        pos = m.end()
    parts.append(line[pos:])
    text = "".join(parts)
    if "[" in text or "]" in text:
        raise SourceError("a bracket is left after the marks were read: a mark is malformed")
    return text, spans


def read_source(path: Path = SOURCE) -> list[dict[str, Any]]:
    """Every record of the marked source, numbered in file order; all errors at once."""
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            text, spans = parse_line(line)
        except SourceError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        records.append({"id": f"ws-{len(records) + 1:03d}", "text": text, "spans": spans})
    if errors:
        raise SourceError("; ".join(errors))
    return records


def split(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(dev, held-out): the ids shuffled with :data:`SEED`, the first DEV_SHARE to dev."""
    ids = [r["id"] for r in records]
    random.Random(SEED).shuffle(ids)
    dev_ids = set(ids[: round(len(ids) * DEV_SHARE)])
    dev = [{**r, "split": "dev"} for r in records if r["id"] in dev_ids]
    held = [{**r, "split": "heldout"} for r in records if r["id"] not in dev_ids]
    return dev, held


def _jsonl(records: list[dict[str, Any]]) -> str:
    keys = ("id", "split", "text", "spans")
    return "".join(json.dumps({k: r[k] for k in keys}, ensure_ascii=False) + "\n" for r in records)


def _summary(name: str, records: list[dict[str, Any]]) -> str:
    kinds: dict[str, int] = {}
    for r in records:
        for s in r["spans"]:
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    with_pd = sum(bool(r["spans"]) for r in records)
    counts = ", ".join(f"{k} {kinds.get(k, 0)}" for k in KINDS.values())
    return f"{name}: {len(records)} records, {with_pd} with personal data; spans: {counts}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the files, write nothing")
    args = parser.parse_args(argv)
    dev, held = split(read_source())
    outputs = {FOLDER / "workshop_dev.jsonl": dev, FOLDER / "workshop_heldout.jsonl": held}
    stale = [
        p.name
        for p, recs in outputs.items()
        if not p.exists() or p.read_text(encoding="utf-8") != _jsonl(recs)
    ]
    if args.check:
        if stale:
            print(f"out of date: {', '.join(stale)}; run without --check", file=sys.stderr)
            return 1
    else:
        for path, recs in outputs.items():
            path.write_text(_jsonl(recs), encoding="utf-8")
    print(_summary("dev", dev))
    print(_summary("held-out", held))
    return 0


if __name__ == "__main__":
    sys.exit(main())
