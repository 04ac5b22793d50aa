"""Run the demo campaigns end to end and write their PDF reports."""

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from procure.accounts.models import Organization
from procure.core.demo import demo_prepare
from procure.reports.models import ReportSnapshot
from procure.reports.rendering import render_pdf
from procure.runs.models import Campaign, CampaignStatus
from procure.runs.planning import campaign_launch

from .demo_setup import DEMO_ORGANIZATION


class Command(BaseCommand):
    help = "Build the demo models and suites, run both demo campaigns on the workers, write PDFs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=["demo", "test"], default="demo")
        parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait")
        parser.add_argument("--out", type=Path, default=Path(settings.DATA_DIR) / "reports")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get(name=DEMO_ORGANIZATION)
        self.stdout.write("building (or reusing) the demo models and suites…")
        setup = demo_prepare(
            organization=organization,
            profile=options["profile"],
            say=lambda message: self.stdout.write(f"  {message}"),
        )
        campaigns = [
            campaign_launch(
                organization=organization, profile_id=profile_id, candidate_ids=setup.candidate_ids
            )
            for profile_id in setup.profile_ids
        ]
        reports = self._wait(campaigns, options["timeout"])
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        for report in reports:
            path = out / f"{slugify(report.profile.name if report.profile else report.title)}.pdf"
            path.write_bytes(render_pdf(report))
            self.stdout.write(f"\n{report.title}\n  verdict: {report.verdict}\n  PDF: {path}")

    def _wait(self, campaigns: list[Campaign], timeout: int) -> list[ReportSnapshot]:
        deadline = time.monotonic() + timeout
        ids = [c.pk for c in campaigns]
        last, printed = "", 0.0
        while time.monotonic() < deadline:
            states = list(Campaign.objects.filter(pk__in=ids).order_by("pk"))
            reports = [ReportSnapshot.objects.filter(campaign=c).first() for c in states]
            status = "  ".join(f"#{c.pk}: {self._progress(c)}" for c in states)
            # A line when something changed, at most every 5 s: progress without a flood.
            if status != last and time.monotonic() - printed >= 5:
                self.stdout.write(status)
                last, printed = status, time.monotonic()
            if any(c.status == CampaignStatus.CANCELLED for c in states):
                raise CommandError("a demo campaign was cancelled")
            if all(r is not None for r in reports):
                return [r for r in reports if r is not None]
            time.sleep(1)
        raise CommandError(
            f"the demo campaigns did not finish within {timeout} s: is a worker running? "
            "(see var/log/worker.log)"
        )

    @staticmethod
    def _progress(campaign: Campaign) -> str:
        runs = list(campaign.runs.values_list("status", "progress_done", "progress_total"))
        done = sum(1 for status, _, _ in runs if status == "succeeded")
        requests = sum(d for _, d, _ in runs), sum(t for _, _, t in runs)
        return f"{campaign.status}, {done}/{len(runs)} runs, {requests[0]}/{requests[1]} requests"
