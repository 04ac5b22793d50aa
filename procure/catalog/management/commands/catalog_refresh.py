"""Update linked API options from the installed price databases; list what could not be."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from procure.catalog.price_sources import SOURCE_NAMES, SourceUnavailable
from procure.catalog.refresh import catalog_refresh, seed_file_refresh, unlinked_api_options


class Command(BaseCommand):
    help = (
        "Refresh prices and context windows of deployment options linked to a price source "
        "(genai-prices, litellm), recording each change in the price history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            action="append",
            choices=SOURCE_NAMES,
            help="Only this source (repeatable). Default: every source.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--seed-file",
            type=Path,
            help="Rewrite this catalog JSON file's linked prices instead of the database's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["seed_file"]:
            self._refresh_file(options["seed_file"], options["dry_run"])
            return
        sources = options["source"] or list(SOURCE_NAMES)
        explicit = options["source"] is not None
        reports = catalog_refresh(
            today=timezone.localdate(), sources=sources, dry_run=options["dry_run"]
        )
        for report in reports:
            if report.unavailable:
                # A source asked for by name must be there; the optional one may be missing.
                if explicit:
                    raise CommandError(report.unavailable)
                self.stdout.write(f"{report.source}: skipped ({report.unavailable})")
                continue
            verb = "would change" if report.dry_run else "changed"
            dated = report.data_date.isoformat() if report.data_date else "undated"
            self.stdout.write(
                f"{report.source} {report.version} (data as of {dated}): {verb} "
                f"{len(report.changes)} value(s), {report.unchanged} option(s) unchanged"
            )
            for change in report.changes:
                self.stdout.write(f"  {change.message}")
            for unknown in report.unknown:
                self.stdout.write(f"  unknown id: {unknown}")
        unlinked = unlinked_api_options()
        if unlinked:
            self.stdout.write(f"{len(unlinked)} API option(s) linked to no source (hand-entered):")
            for subject in unlinked:
                self.stdout.write(f"  {subject}")

    def _refresh_file(self, path: Path, dry_run: bool) -> None:
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path}: cannot read JSON ({exc})") from exc
        try:
            problems = seed_file_refresh(data, today=timezone.localdate())
        except SourceUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            raise CommandError("Unknown ids, nothing written:\n  " + "\n  ".join(problems))
        if not dry_run:
            path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.stdout.write(f"{path}: {len(data.get('candidates', []))} candidates refreshed")
