"""Turning Django ValidationErrors from nested imports into messages that name the place."""

from django.core.exceptions import ValidationError
from django.db import models


class ImportProblem(Exception):
    """Bad input in an import; `problems` lists every place with what is wrong there."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def clean_problems(instance: models.Model, place: str) -> list[str]:
    """Run full_clean() and return each error as '<place>.<field>: message' (empty when valid)."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        problems: list[str] = []
        for field, messages in exc.message_dict.items():
            where = place if field == "__all__" else f"{place}.{field}"
            problems.extend(f"{where}: {message}" for message in messages)
        return problems
    return []
