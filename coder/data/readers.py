"""Read input tables (CSV, XLSX, JSONL) into rows of text, reporting every problem at once.

Values are kept exactly as written, as text: a cell reading ``=SUM(A1:A3)`` stays that text
(exports neutralise it, see :mod:`coder.data.cells`). Row numbers are those a spreadsheet or
editor shows: in CSV and XLSX the header is row 1; in JSONL each line is a row.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from coder.errors import InputError, Problem

FORMATS = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class Table:
    """A table read from a file: its column names and ``(row number, values)`` pairs."""

    path: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_table(path: str | Path) -> Table:
    """Read a CSV, TSV, XLSX or JSONL file.

    Raises
    ------
    InputError
        for an unknown format, undecodable bytes or malformed CSV/JSONL, every problem listed.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"the extension {path.suffix!r}",
                    "one of " + ", ".join(FORMATS),
                    "save the file as CSV, XLSX or JSONL",
                )
            ]
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"an unreadable file ({exc.strerror})",
                    "a readable file",
                    "check the path",
                )
            ]
        ) from exc
    if fmt == "xlsx":
        return _read_xlsx(path, data)
    text = _decode(path, data)
    if fmt == "jsonl":
        return _read_jsonl(path, text)
    return _read_csv(path, text, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    problems = []
    for lineno, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    str(path),
                    lineno,
                    None,
                    f"bytes that are not UTF-8 (byte {line[exc.start]:#04x} at position "
                    f"{exc.start})",
                    "UTF-8 text",
                    "re-save the file as UTF-8 (in Excel: 'CSV UTF-8'); it may be Windows-1252",
                )
            )
    raise InputError(problems)


def _read_csv(path: Path, text: str, delimiter: str) -> Table:
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    None,
                    f"a malformed header ({exc})",
                    "a header row of column names",
                    "fix the first line",
                )
            ]
        ) from exc
    if not header or not any(h.strip() for h in header):
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    None,
                    "no header row",
                    "a header row",
                    "add a first line with the column names",
                )
            ]
        )
    columns = [h.strip() for h in header]
    _check_header(path, columns, problems)
    table = Table(str(path), columns)
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                Problem(
                    str(path),
                    start,
                    None,
                    f"malformed CSV ({exc})",
                    "fields separated by commas, quotes closed",
                    'close the quote or escape quotes inside a field as ""',
                )
            )
            break  # the parser cannot resynchronise after broken quoting
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(columns):
            problems.append(
                Problem(
                    str(path),
                    start,
                    None,
                    f"{len(values)} fields",
                    f"{len(columns)} fields, as in the header",
                    "quote fields that contain commas or line breaks, or remove stray separators",
                )
            )
            continue
        table.rows.append((start, dict(zip(columns, values, strict=True))))
    if problems:
        raise InputError(problems)
    return table


def _read_jsonl(path: Path, text: str) -> Table:
    problems: list[Problem] = []
    columns: list[str] = []
    table = Table(str(path), columns)
    # Only "\n" ends a line: str.splitlines() would also split at U+2028, U+0085 and others,
    # which JSON writers leave unescaped inside strings.
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(
                    str(path),
                    lineno,
                    None,
                    f"invalid JSON ({exc.msg})",
                    "one JSON object per line",
                    "fix the line or remove pretty-printing (one object a line)",
                )
            )
            continue
        if not isinstance(obj, dict):
            problems.append(
                Problem(
                    str(path),
                    lineno,
                    None,
                    f"a JSON {type(obj).__name__}",
                    "a JSON object",
                    'write each row as {"column": value}',
                )
            )
            continue
        row = {}
        for key, value in obj.items():
            if key not in columns:
                columns.append(key)
            row[key] = _json_cell(value)
        table.rows.append((lineno, row))
    if problems:
        raise InputError(problems)
    # Every row in the column order of the file, whatever the key order of its line.
    table.rows = [(n, {col: row.get(col, "") for col in columns}) for n, row in table.rows]
    return table


def _json_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    return json.dumps(value, ensure_ascii=False)


def _number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, data: bytes) -> Table:
    import openpyxl  # lazy: only XLSX input needs it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"an unreadable workbook ({exc})",
                    "an .xlsx workbook",
                    "re-save it from Excel as .xlsx",
                )
            ]
        ) from exc
    sheet = book.worksheets[0]
    problems: list[Problem] = []
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or not any(h is not None and str(h).strip() for h in header):
        raise InputError(
            [
                Problem(
                    str(path),
                    1,
                    None,
                    "no header row",
                    "a header row",
                    "put the column names in row 1 of the first sheet",
                )
            ]
        )
    width = max(i for i, h in enumerate(header) if h is not None and str(h).strip()) + 1
    columns = ["" if h is None else str(h).strip() for h in header[:width]]
    _check_header(path, columns, problems)
    table = Table(str(path), columns)
    for rownum, values in enumerate(rows, 2):
        cells = ["" if v is None else _xlsx_cell(v) for v in values]
        if any(c.strip() for c in cells[width:]):
            problems.append(
                Problem(
                    str(path),
                    rownum,
                    None,
                    "values beyond the last column",
                    f"{width} columns, as in the header",
                    "remove the stray cells or add a header for them",
                )
            )
        cells = (cells + [""] * width)[:width]
        if not any(c.strip() for c in cells):
            continue
        table.rows.append((rownum, dict(zip(columns, cells, strict=True))))
    book.close()
    if problems:
        raise InputError(problems)
    return table


def _xlsx_cell(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value)
    return str(value)


def _check_header(path: Path, columns: list[str], problems: list[Problem]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(columns, 1):
        if not name:
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"#{i}",
                    "an empty column name",
                    "a name for every column",
                    "name the column or delete it",
                )
            )
        elif name in seen:
            problems.append(
                Problem(
                    str(path),
                    1,
                    name,
                    "the column twice",
                    "each column name once",
                    "rename or remove one of them",
                )
            )
        seen.add(name)
