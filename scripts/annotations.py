"""Regenerate the generated files of ``annotations/`` (or check that they are up to date).

Usage (from the project root)::

    .venv/bin/python scripts/annotations.py            # rewrite them
    .venv/bin/python scripts/annotations.py --check    # exit 1 and list what is stale

Writes the Label Studio configs of the bundled codebook's views, its coding manual (Markdown and
HTML) and the example coders' codings as Label Studio JSON exports; see
:mod:`coder.demo.annotations` and ``annotations/README.md``. Deterministic: run twice, nothing
changes. Texts are redacted as a push would, with the spaCy pipeline the package installs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coder.demo.annotations import build_annotations, compare_annotations  # noqa: E402

FOLDER = ROOT / "annotations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=FOLDER, help="The annotations folder.")
    parser.add_argument(
        "--check", action="store_true", help="Write nothing; exit 1 when a file is stale."
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = compare_annotations(args.out)
        for line in stale:
            print(line)
        if stale:
            print(f"Stale: run `.venv/bin/python scripts/annotations.py` to rewrite {args.out}")
            return 1
        print(f"{args.out} is up to date")
        return 0
    for path in build_annotations(args.out):
        print(f"Wrote {path.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
