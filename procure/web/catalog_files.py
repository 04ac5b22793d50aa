"""The catalog as a file: JSON (the seed catalog's format) and CSV (one row per deployment option).

Both go back in through `catalog_import`, so an export edited in a spreadsheet and imported
again updates the candidates it names. Secrets never leave: the JSON holds how workers reach a
model, never its API key.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from procure.catalog.models import CandidateModel
from procure.catalog.services import ACCESS_FIELDS, CANDIDATE_FIELDS, OPTION_FIELDS
from procure.core.validation import ImportProblem

OPTION_PREFIX = "option_"
CSV_COLUMNS = (*CANDIDATE_FIELDS, *(OPTION_PREFIX + field for field in OPTION_FIELDS))
BOOLEAN_FIELDS = {"open_weights"}
TRUE, FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n"}


def catalog_data(candidates: Iterable[CandidateModel]) -> dict[str, Any]:
    """Candidates (with options and access prefetched) as `catalog_import` reads them."""
    entries = []
    for candidate in candidates:
        entry = {field: _plain(getattr(candidate, field)) for field in CANDIDATE_FIELDS}
        entry["deployment_options"] = [
            {field: _plain(getattr(option, field)) for field in OPTION_FIELDS}
            for option in candidate.deployment_options.all()
        ]
        access = getattr(candidate, "evaluation_access", None)
        if access is not None:
            entry["evaluation_access"] = {field: getattr(access, field) for field in ACCESS_FIELDS}
        entries.append(entry)
    return {"candidates": entries}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def catalog_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in data["candidates"]:
        own = {field: _cell(entry.get(field)) for field in CANDIDATE_FIELDS}
        options = entry.get("deployment_options") or [{}]
        for option in options:
            cells = {OPTION_PREFIX + field: _cell(option.get(field)) for field in OPTION_FIELDS}
            writer.writerow({**own, **cells})
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def catalog_from_csv(text: str) -> dict[str, Any]:
    """Rows → {"candidates": [...]}; rows of one candidate (same name) are its options.

    Raises ImportProblem naming the row (as a spreadsheet numbers it) of each problem.
    """
    try:
        reader = csv.DictReader(io.StringIO(text))
        rows = list(reader)
    except csv.Error as exc:
        raise ImportProblem([f"the CSV could not be read: {exc}"]) from exc
    unknown = sorted(set(reader.fieldnames or ()) - set(CSV_COLUMNS))
    if unknown:
        raise ImportProblem([f"row 1: unknown column(s) {', '.join(unknown)}"])
    problems: list[str] = []
    candidates: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=2):
        own = _candidate_cells(row, number, problems)
        name = own.get("name")
        if not name:
            problems.append(f"row {number}: a candidate needs a name")
            continue
        entry = candidates.setdefault(name, {**own, "deployment_options": []})
        if any(entry.get(key) != value for key, value in own.items()):
            problems.append(f"row {number}: the candidate columns differ from {name}'s first row")
        option = {
            field: row[OPTION_PREFIX + field].strip()
            for field in OPTION_FIELDS
            if (row.get(OPTION_PREFIX + field) or "").strip()
        }
        if "regions" in option:
            option["regions"] = option["regions"].replace(",", " ").split()
        if option:
            entry["deployment_options"].append(option)
    if problems:
        raise ImportProblem(problems)
    return {"candidates": list(candidates.values())}


def _candidate_cells(row: dict[str, Any], number: int, problems: list[str]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for field in CANDIDATE_FIELDS:
        value = (row.get(field) or "").strip()
        if not value:
            continue
        if field in BOOLEAN_FIELDS:
            if value.lower() not in TRUE | FALSE:
                problems.append(f"row {number}: {field} must be true or false, not {value!r}")
                continue
            cells[field] = value.lower() in TRUE
        else:
            cells[field] = value
    return cells
