"""Read input tables (CSV, XLSX, JSONL) into rows of text, reporting every problem at once.

Values are kept exactly as written, as text: a cell reading ``=SUM(A1:A3)`` stays that text
(exports neutralise it, see :mod:`coder.data.cells`). Row numbers are those a spreadsheet or
editor shows: in CSV and XLSX the header is row 1; in JSONL each line is a row.

:func:`open_table` streams a table one row at a time, so the memory it needs does not grow with
the file (ingestion reads exports of millions of votes this way); :func:`read_table` reads a
whole table at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from coder.errors import InputError, Problem

FORMATS = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
NOT_UTF8_FIX = "re-save the file as UTF-8 (in Excel: 'CSV UTF-8'); it may be Windows-1252"

Rows = Iterator[tuple[int, list[str]]]


@dataclass
class Table:
    """A table read from a file: its column names and ``(row number, values)`` pairs."""

    path: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    sheet: str = ""  # the worksheet read, for a workbook


@dataclass
class TableStream:
    """An open table, read one row at a time (see :func:`open_table`).

    ``rows`` yields ``(row number, values)`` once, the values in the order of ``columns``; blank
    rows are skipped. ``problems`` collects what cannot be read (a row of the wrong width,
    broken quoting, bytes that are not UTF-8) and is complete once ``rows`` is exhausted; the
    rows of a table with problems must not be stored.
    """

    path: str
    columns: list[str]
    problems: list[Problem]
    rows: Rows
    sheet: str = ""  # the worksheet read, for a workbook


def read_table(path: str | Path, sheet: str | None = None) -> Table:
    """Read a CSV, TSV, XLSX or JSONL file (of a workbook, ``sheet`` or the first sheet).

    Raises
    ------
    InputError
        for an unknown format, undecodable bytes or malformed CSV/JSONL, every problem listed.
    """
    with open_table(path, sheet) as stream:
        rows = [(n, dict(zip(stream.columns, values, strict=True))) for n, values in stream.rows]
    if stream.problems:
        raise InputError(stream.problems)
    return Table(stream.path, stream.columns, rows, stream.sheet)


@contextmanager
def open_table(path: str | Path, sheet: str | None = None) -> Iterator[TableStream]:
    """Open a CSV, TSV, XLSX or JSONL file to read it row by row; close it afterwards.

    A ``.csv`` file may be separated by commas, semicolons or tabs: the header line decides.
    Of a workbook, ``sheet`` is read (default: the first sheet).

    Raises
    ------
    InputError
        at once for an unknown format, an unreadable file or a missing header (with every
        undecodable line, if the bytes are not UTF-8). Problems in the rows are collected in
        the stream's ``problems`` instead, for the caller to report with its own.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise _error(
            path,
            None,
            f"the extension {path.suffix!r}",
            "one of " + ", ".join(FORMATS),
            "save the file as CSV, XLSX or JSONL",
        )
    if sheet is not None and fmt != "xlsx":
        raise _error(
            path,
            None,
            f"a sheet name ({sheet!r}) for a {path.suffix} file",
            "a sheet name only for an .xlsx workbook",
            "leave out the sheet, or give the workbook",
        )
    with ExitStack() as stack:
        try:
            if fmt == "csv":
                text = stack.enter_context(path.open(encoding="utf-8-sig", newline=""))
            else:
                raw = stack.enter_context(path.open("rb"))
        except OSError as exc:
            raise _error(
                path,
                None,
                f"an unreadable file ({exc.strerror})",
                "a readable file",
                "check the path",
            ) from exc
        if fmt == "xlsx":
            yield _open_xlsx(path, raw, stack, sheet)
        elif fmt == "jsonl":
            yield _open_jsonl(path, raw)
        else:
            delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
            yield _open_csv(path, text, delimiter)


def _sniff_delimiter(text: IO[str]) -> str:
    """The separator of a ``.csv`` file: of comma, semicolon and tab, the one its header line
    holds most often outside quotes (a comma on a tie or when it holds none)."""
    try:
        line = text.readline()
    except UnicodeDecodeError:
        line = ""  # the header read reports the undecodable lines
    text.seek(0)
    bare = "".join(line.split('"')[::2])  # the text outside quoted fields
    counts = {d: bare.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _not_utf8(path: Path, lineno: int, line: bytes, exc: UnicodeDecodeError) -> Problem:
    return Problem(
        str(path),
        lineno,
        None,
        f"bytes that are not UTF-8 (byte {line[exc.start]:#04x} at position {exc.start})",
        "UTF-8 text",
        NOT_UTF8_FIX,
    )


def _decode_problems(path: Path) -> list[Problem]:
    """One problem per line of the file that is not UTF-8 (only ``\\n`` ends a line)."""
    problems = []
    with path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(_not_utf8(path, lineno, line, exc))
    return problems


def _error(path: Path, row: int | None, found: str, expected: str, fix: str) -> InputError:
    return InputError([Problem(str(path), row, None, found, expected, fix)])


def _fatal(path: Path, found: str, expected: str, fix: str) -> InputError:
    """The error for a CSV file whose header cannot be read: its undecodable lines if there
    are any (they explain the rest), else the problem in row 1."""
    return InputError(_decode_problems(path) or _error(path, 1, found, expected, fix).problems)


def _open_csv(path: Path, text: IO[str], delimiter: str) -> TableStream:
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        raise InputError(_decode_problems(path)) from None
    except csv.Error as exc:
        raise _fatal(
            path,
            f"a malformed header ({exc})",
            "a header row of column names",
            "fix the first line",
        ) from exc
    if not header or not any(h.strip() for h in header):
        raise _fatal(
            path, "no header row", "a header row", "add a first line with the column names"
        )
    columns = [h.strip() for h in header]
    problems: list[Problem] = []
    _check_header(path, columns, problems)
    return TableStream(str(path), columns, problems, _csv_rows(path, reader, columns, problems))


def _csv_rows(path: Path, reader: Any, columns: list[str], problems: list[Problem]) -> Rows:
    width = len(columns)
    undecodable: UnicodeDecodeError | None = None
    try:
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
            if not values or (not values[0].strip() and all(not v.strip() for v in values)):
                continue
            if len(values) != width:
                problems.append(
                    Problem(
                        str(path),
                        start,
                        None,
                        f"{len(values)} fields",
                        f"{width} fields, as in the header",
                        "quote fields that contain commas or line breaks, "
                        "or remove stray separators",
                    )
                )
                continue
            yield start, values
    except UnicodeDecodeError as exc:
        undecodable = exc
    if undecodable or problems:
        # Bytes that are not UTF-8 explain everything else: they are reported alone.
        decode = _decode_problems(path)
        if undecodable and not decode:  # cannot happen: the decoder and the scan agree
            decode = [
                Problem(str(path), None, None, f"bytes that are not UTF-8 ({undecodable.reason})",
                        "UTF-8 text", NOT_UTF8_FIX)
            ]  # fmt: skip
        if decode:
            problems[:] = decode


def _jsonl_objects(
    path: Path, raw: IO[bytes], problems: list[Problem], decode: list[Problem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file by line number; other lines become problems.

    Only ``\\n`` ends a line: str.splitlines() would also split at U+2028, U+0085 and others,
    which JSON writers leave unescaped inside strings.
    """
    raw.seek(0)
    for lineno, data in enumerate(raw, 1):
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            decode.append(_not_utf8(path, lineno, data, exc))
            continue
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        line = line.removesuffix("\n").removesuffix("\r")
        if decode or not line.strip():
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
        yield lineno, obj


def _open_jsonl(path: Path, raw: IO[bytes]) -> TableStream:
    # Two passes: the columns are every key of the file in order of first appearance, and each
    # row holds every column, so they must be known before the first row is handed out.
    columns: dict[str, None] = {}
    problems: list[Problem] = []
    decode: list[Problem] = []
    for _, obj in _jsonl_objects(path, raw, problems, decode):
        columns.update(dict.fromkeys(obj))
    if decode:
        problems[:] = decode  # undecodable bytes are reported alone
    names = list(columns)

    def rows() -> Rows:
        if problems:
            return
        for lineno, obj in _jsonl_objects(path, raw, [], []):
            yield lineno, [_json_cell(obj[c]) if c in obj else "" for c in names]

    return TableStream(str(path), names, problems, rows())


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


def _open_xlsx(path: Path, raw: IO[bytes], stack: ExitStack, sheet: str | None) -> TableStream:
    import openpyxl  # lazy: only XLSX input needs it

    try:
        book = openpyxl.load_workbook(raw, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise _error(
            path,
            None,
            f"an unreadable workbook ({exc})",
            "an .xlsx workbook",
            "re-save it from Excel as .xlsx",
        ) from exc
    stack.callback(book.close)
    if sheet is not None and sheet not in book.sheetnames:
        raise _error(
            path,
            None,
            f"no sheet {sheet!r}",
            "one of the sheets " + ", ".join(map(repr, book.sheetnames)),
            "give one of those sheet names",
        )
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or not any(h is not None and str(h).strip() for h in header):
        others = [n for n in book.sheetnames if n != ws.title]
        raise _error(
            path,
            1,
            f"no header row in sheet {ws.title!r}"
            + (f" (other sheets: {', '.join(map(repr, others))})" if others else ""),
            "a header row",
            f"put the column names in row 1 of sheet {ws.title!r}, or pick another sheet",
        )
    width = max(i for i, h in enumerate(header) if h is not None and str(h).strip()) + 1
    columns = ["" if h is None else str(h).strip() for h in header[:width]]
    problems: list[Problem] = []
    _check_header(path, columns, problems)
    rows_read = _xlsx_rows(path, rows, width, problems)
    return TableStream(str(path), columns, problems, rows_read, sheet=str(ws.title))


def _xlsx_rows(path: Path, rows: Iterator[Any], width: int, problems: list[Problem]) -> Rows:
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
        yield rownum, cells


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
