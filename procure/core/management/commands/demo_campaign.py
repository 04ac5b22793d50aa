"""Run the demo campaigns end to end and write their PDF reports and their fits."""

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify
from tqdm import tqdm

from procure.accounts.models import Organization
from procure.core.demo import RECORDED_FITS, demo_fits, demo_prepare, fits_differences
from procure.reports.models import ReportSnapshot
from procure.reports.rendering import render_pdf
from procure.runs.models import Campaign, CampaignStatus, EvaluationRun
from procure.runs.planning import campaign_launch

from .demo_setup import DEMO_ORGANIZATION

FITS_FILE = "demo-fits.json"


class Command(BaseCommand):
    help = "Build the demo models and suites, run both demo campaigns on the workers, write PDFs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", choices=["demo", "test"], default="demo")
        parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait")
        parser.add_argument("--out", type=Path, default=Path(settings.DATA_DIR) / "reports")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.get(name=DEMO_ORGANIZATION)
        began = time.monotonic()
        self.stdout.write("building (or reusing) the demo models and suites…")
        setup = demo_prepare(
            organization=organization,
            profile=options["profile"],
            say=lambda message: self.stdout.write(f"  {message}"),
            progress=True,
        )
        campaigns = [
            campaign_launch(
                organization=organization, profile_id=profile_id, candidate_ids=setup.candidate_ids
            )
            for profile_id in setup.profile_ids
        ]
        self.stdout.write(f"[demo] models and suites ready in {time.monotonic() - began:.0f} s")
        began = time.monotonic()
        reports = self._wait(campaigns, options["timeout"])
        self.stdout.write(f"[demo] campaigns and reports done in {time.monotonic() - began:.0f} s")
        began = time.monotonic()
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for report in tqdm(reports, desc="rendering the PDF reports", unit="report"):
            path = out / f"{slugify(report.profile.name if report.profile else report.title)}.pdf"
            path.write_bytes(render_pdf(report))
            written.append((report, path))
        self.stdout.write(f"[demo] PDFs rendered in {time.monotonic() - began:.0f} s")
        for report, path in written:
            self.stdout.write(f"\n{report.title}\n  verdict: {report.verdict}\n  PDF: {path}")
        fits = demo_fits([report.snapshot for report in reports])
        (out / FITS_FILE).write_text(json.dumps(fits, indent=2, sort_keys=True) + "\n")
        if options["profile"] == "demo":
            self._compare_with_recorded(fits)

    def _compare_with_recorded(self, fits: dict[str, dict[str, dict[str, float]]]) -> None:
        if not RECORDED_FITS.is_file():
            self.stderr.write(f"\nno recorded fits to compare with ({RECORDED_FITS} is missing)")
            return
        differences = fits_differences(fits, json.loads(RECORDED_FITS.read_text()))
        if not differences:
            self.stdout.write(f"\nthe fits equal the recorded ones ({RECORDED_FITS.name})")
            return
        # Other library versions (or another CPU's arithmetic) may move an item or two: say so
        # plainly rather than let a reader compare numbers that were never meant to match.
        self.stderr.write(f"\nthe fits differ from the recorded ones ({RECORDED_FITS}):")
        for line in differences:
            self.stderr.write(f"  {line}")

    def _wait(self, campaigns: list[Campaign], timeout: int) -> list[ReportSnapshot]:
        deadline = time.monotonic() + timeout
        ids = [c.pk for c in campaigns]
        with tqdm(desc="evaluating", unit="request", mininterval=1.0) as bar:
            while time.monotonic() < deadline:
                states = list(Campaign.objects.filter(pk__in=ids).order_by("pk"))
                reports = [ReportSnapshot.objects.filter(campaign=c).first() for c in states]
                runs = (
                    EvaluationRun.objects.filter(campaigns__in=ids)
                    .distinct()
                    .select_related("suite_version")
                )
                bar.total = max(sum(_expected_requests(run) for run in runs), 1)
                bar.update(sum(run.progress_done for run in runs) - bar.n)
                succeeded = sum(1 for run in runs if run.status == "succeeded")
                bar.set_postfix_str(f"{succeeded}/{len(runs)} runs done", refresh=False)
                if any(c.status == CampaignStatus.CANCELLED for c in states):
                    raise CommandError("a demo campaign was cancelled")
                if all(r is not None for r in reports):
                    return [r for r in reports if r is not None]
                time.sleep(1)
        raise CommandError(
            f"the demo campaigns did not finish within {timeout} s: is a worker running? "
            "(see var/log/worker.log)"
        )


def _expected_requests(run: EvaluationRun) -> int:
    """A run's request count: exact once it started, estimated from its suite before.

    A run learns its count only when it starts; a bar whose total grows as runs start shows a
    time left that is wrong until the last one. The demo's choice tasks have four choices.
    """
    if run.progress_total:
        return run.progress_total
    return sum(
        task.get("n_docs", 0) * (4 if task.get("output_type") == "multiple_choice" else 1)
        for task in run.suite_version.tasks or []
    )
