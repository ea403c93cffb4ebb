"""Test helpers: write small tables as CSV, JSONL or XLSX, and snapshot a project folder."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

Row = Sequence[object]


def write_csv_file(
    path: Path,
    header: list[str],
    rows: Sequence[Row],
    *,
    bom: bool = False,
    lineterminator: str = "\n",
) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        writer = csv.writer(f, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return path


def write_jsonl_file(
    path: Path, header: list[str], rows: Sequence[Row], *, bom: bool = False
) -> Path:
    lines = [json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


def write_xlsx_file(path: Path, header: list[str], rows: Sequence[Row]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_table(path: Path, header: list[str], rows: Sequence[Row]) -> Path:
    writer = {".csv": write_csv_file, ".jsonl": write_jsonl_file, ".xlsx": write_xlsx_file}
    return writer[path.suffix](path, header, rows)


def snapshot(project_dir: Path) -> tuple[list[str], dict[str, bytes]]:
    """The store's SQL dump and the bytes of every file in the project folder.

    Take it with the project closed: files are read before the store is opened for the dump.
    """
    files = {
        str(f.relative_to(project_dir)): f.read_bytes()
        for f in sorted(project_dir.rglob("*"))
        if f.is_file()
    }
    conn = sqlite3.connect(project_dir / "coder.db")
    try:
        dump = list(conn.iterdump())
    finally:
        conn.close()
    return dump, files
