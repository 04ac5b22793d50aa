"""Reading uploaded data files (.jsonl, .json, .csv) into the rows lm-eval will see.

lm-eval loads these files with `datasets` (pyarrow for JSON, pandas for CSV), so the rows we
validate and preview follow the same rules where they matter to templates: every row has every
field (missing ones are None), a JSON field holding both integers and decimals holds decimals,
and CSV cells become numbers, booleans or None the way pandas infers them per column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from evals.suites import limits
from evals.suites.report import Problem

Row = dict[str, Any]
# A row with the line it starts on (None inside a JSON array, where lines are lost).
Located = tuple[int | None, Row]

# What pandas.read_csv reads as missing, as integers, as decimals and as booleans.
_CSV_MISSING = frozenset({"", "NA", "N/A", "NaN", "nan", "NULL", "null", "None", "n/a", "-NaN"})
_CSV_INT = re.compile(r"[+-]?\d+")
_CSV_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|Infinity)")
_CSV_BOOL = {
    "True": True,
    "TRUE": True,
    "true": True,
    "False": False,
    "FALSE": False,
    "false": False,
}
_MAX_PROBLEMS = 5


@dataclass(frozen=True)
class DataFile:
    """The rows of one data file, each with every field of the file."""

    name: str
    rows: tuple[Row, ...]
    # Where each row starts in the file, for messages (None inside a JSON array).
    lines: tuple[int | None, ...]
    fields: tuple[str, ...]


def read_data(name: str, data: bytes) -> tuple[DataFile | None, list[Problem]]:
    """Parse a data file; None (with problems naming lines) when lm-eval could not load it."""
    text = data.decode("utf-8")
    problems: list[Problem] = []
    if name.lower().endswith(".csv"):
        located = list(_csv_rows(name, text, problems))
    elif name.lower().endswith(".json") and text.lstrip().startswith("["):
        located = list(_json_array_rows(name, text, problems))
    else:
        located = list(_json_lines_rows(name, text, problems))
    if not problems and not located:
        problems.append(Problem(name, None, "", "the file holds no rows"))
    if len(located) > limits.MAX_ROWS_PER_FILE:
        message = f"the file has {len(located)} rows; at most {limits.MAX_ROWS_PER_FILE}"
        problems.append(Problem(name, None, "", message))
    if not problems:
        problems += _type_problems(name, located)
    if problems:
        return None, problems[:_MAX_PROBLEMS]
    fields = _fields(row for _, row in located)
    rows = tuple({field: row.get(field) for field in fields} for _, row in located)
    lines = tuple(line for line, _ in located)
    return DataFile(name, _unify_numbers(rows, fields), lines, fields), []


def _json_lines_rows(name: str, text: str, problems: list[Problem]) -> Iterator[Located]:
    for number, line in enumerate(text.splitlines(), start=1):
        if len(problems) >= _MAX_PROBLEMS:
            return
        if not line.strip():
            continue
        try:
            row = json.loads(line, parse_constant=_refuse_constant)
        except ValueError as error:
            problems.append(Problem(name, number, "", f"this line is not valid JSON ({error})"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(name, number, "", "each line must be a JSON object {...}"))
            continue
        yield number, row


def _json_array_rows(name: str, text: str, problems: list[Problem]) -> Iterator[Located]:
    try:
        items = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        problems.append(Problem(name, error.lineno, "", f"this is not valid JSON ({error.msg})"))
        return
    except ValueError as error:
        problems.append(Problem(name, None, "", f"this is not valid JSON ({error})"))
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            message = f"item {index} of the list is not a JSON object {{...}}"
            problems.append(Problem(name, None, "", message))
            return
        yield None, item


def _csv_rows(name: str, text: str, problems: list[Problem]) -> Iterator[Located]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or any(not column.strip() for column in header):
            problems.append(Problem(name, 1, "", "the first line must name every column"))
            return
        if len(set(header)) != len(header):
            problems.append(Problem(name, 1, "", "two columns have the same name"))
            return
        cells: list[tuple[int, list[str]]] = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                message = f"this line has {len(row)} cells; the header has {len(header)}"
                problems.append(Problem(name, reader.line_num, "", message))
                if len(problems) >= _MAX_PROBLEMS:
                    return
                continue
            cells.append((reader.line_num, row))
    except csv.Error as error:
        problems.append(Problem(name, reader.line_num, "", f"this is not valid CSV ({error})"))
        return
    columns = [_csv_column([row[i] for _, row in cells]) for i in range(len(header))]
    for index, (line, _) in enumerate(cells):
        yield line, {column: values[index] for column, values in zip(header, columns, strict=True)}


def _csv_column(cells: list[str]) -> list[Any]:
    """One CSV column typed as pandas would: all integers, all decimals, all booleans, or text."""
    present = [cell for cell in cells if cell not in _CSV_MISSING]
    if present and all(_CSV_INT.fullmatch(cell) for cell in present):
        # pandas holds missing cells as NaN, which turns an integer column into decimals.
        convert: Any = int if len(present) == len(cells) else float
    elif present and all(_CSV_FLOAT.fullmatch(cell) for cell in present):
        convert = float
    elif present and all(cell in _CSV_BOOL for cell in present):
        convert = _CSV_BOOL.__getitem__
    else:
        convert = str
    return [None if cell in _CSV_MISSING else convert(cell) for cell in cells]


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _fields(rows: Iterator[Row]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return tuple(seen)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _type_problems(name: str, located: list[Located]) -> list[Problem]:
    """pyarrow needs one type per field: a label that is a number here and text there fails."""
    first: dict[str, str] = {}
    problems: list[Problem] = []
    for line, row in located:
        for field, value in row.items():
            if value is None:
                continue
            kind = first.setdefault(field, _kind(value))
            if _kind(value) != kind and len(problems) < _MAX_PROBLEMS:
                message = (
                    f"field '{field}' is {_kind(value)} here but {kind} in an earlier row; "
                    "a field must have one type in every row"
                )
                problems.append(Problem(name, line, field, message))
    return problems


def _unify_numbers(rows: tuple[Row, ...], fields: tuple[str, ...]) -> tuple[Row, ...]:
    decimal_fields = [
        field for field in fields if any(isinstance(row[field], float) for row in rows)
    ]
    for row in rows:
        for field in decimal_fields:
            value = row[field]
            if isinstance(value, int) and not isinstance(value, bool):
                row[field] = float(value)
    return rows
