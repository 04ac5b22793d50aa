"""Load the seed catalog and the sample profiles from fixtures/ into one organisation."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from procure.accounts.services import organization_get_or_create
from procure.catalog.services import catalog_import
from procure.core.validation import ImportProblem
from procure.profiles.models import TaskProfile
from procure.profiles.services import profile_save

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Load fixtures/catalog/*.json and fixtures/profiles/*.json into an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", default="Demo Buyer Ltd")
        parser.add_argument("--catalog", type=Path, nargs="*", default=None)
        parser.add_argument("--profiles", type=Path, nargs="*", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_get_or_create(name=options["organization"])
        catalogs = _or_default(options["catalog"], FIXTURES / "catalog")
        profiles = _or_default(options["profiles"], FIXTURES / "profiles")
        for path in catalogs:
            try:
                result = catalog_import(organization=organization, data=_read(path))
            except ImportProblem as exc:
                raise CommandError(f"{path}: " + "\n  ".join(exc.problems)) from exc
            self.stdout.write(
                f"{path.name}: {result.created} candidates created, {result.updated} updated"
            )
        for path in profiles:
            data = _read(path)
            existing = TaskProfile.objects.filter(
                organization=organization, name=data.get("name")
            ).first()
            # Suites named by a sample profile may not exist yet (the demo builds them later);
            # the profile is loaded without them and linked when they are uploaded.
            data = {key: value for key, value in data.items() if key != "suites"}
            try:
                profile_save(
                    organization=organization,
                    data=data,
                    profile_id=existing.pk if existing else None,
                )
            except ImportProblem as exc:
                raise CommandError(f"{path}: " + "\n  ".join(exc.problems)) from exc
            self.stdout.write(f"{path.name}: profile {data['name']!r} loaded")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: cannot read JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise CommandError(f"{path}: expected a JSON object at the top level")
    return data


def _or_default(paths: list[Path] | None, folder: Path) -> list[Path]:
    """The paths given; every JSON file of `folder` when the option was not given at all."""
    return sorted(folder.glob("*.json")) if paths is None else paths
