"""Shared test helpers: small projects built from tables written on the fly."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from coder.data.store import Project, init_project


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    """Write rows (dicts with the same keys) as a UTF-8 CSV file and return its path."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with init_project(tmp_path / "proj") as p:
        yield p
