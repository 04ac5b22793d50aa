"""Campaign pages: estimate before launching, launch, live progress, cancel, retry, report."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from procure.accounts.models import Role
from procure.reports.models import ReportSnapshot
from procure.runs.models import Campaign, CampaignStatus, RunStatus
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, hf_candidate, profile_with, upload_dir
from tests.support.reportkit import LEGAL_MARKET, finished_campaign

from .conftest import page, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org, tmp_path):
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    models = []
    for name in ("Tiny legal", "Tiny general"):
        checkpoint = tmp_path / name
        checkpoint.mkdir()
        (checkpoint / "config.json").write_text("{}")
        models.append(hf_candidate(org, name, checkpoint))
    no_access = f.CandidateFactory(organization=org, name="Unreachable")
    profile = profile_with(org, "Contract review", [version])
    return profile, models, no_access


def running_campaign(org, statuses=(RunStatus.RUNNING,), **run_fields):
    campaign = f.CampaignFactory(organization=org, status=CampaignStatus.RUNNING)
    runs = []
    for status in statuses:
        run = f.RunFactory(organization=org, status=status, **run_fields)
        campaign.runs.add(run)
        runs.append(run)
    return campaign, runs


def test_the_new_page_estimates_the_preselected_profile_on_testable_candidates(editor, setup):
    profile, models, _ = setup

    response = editor.get(page(f"campaigns/new/?profile={profile.pk}"))

    plan = response.context["plan"]
    assert {run.candidate for run in plan.runs} == set(models)  # the unreachable is not ticked
    body = text(response)
    assert 'id="runs-to-queue">2<' in body and 'id="items">40<' in body


def test_the_estimate_names_what_would_stop_a_launch(editor, setup):
    profile, models, no_access = setup

    response = editor.post(
        page("campaigns/estimate/"),
        {"profile": profile.pk, "candidates": [models[0].pk, no_access.pk]},
    )

    assert response.status_code == 200
    body = text(response)
    assert "Unreachable has no evaluation access" in body
    assert 'name="launch" style="width:100%" disabled' in body


def test_the_estimate_says_what_the_suites_can_detect_and_the_items_a_typed_lift_needs(
    editor, setup
):
    from procure.decision.power import items_for_lift, minimum_detectable_difference

    profile, models, _ = setup
    choice = {"profile": profile.pk, "candidates": [m.pk for m in models]}

    body = text(editor.post(page("campaigns/estimate/"), {**choice, "lift": "10"}))

    detectable = minimum_detectable_difference(20, 0.5, 0.95)
    assert detectable is not None
    assert "What these suites can detect" in body
    assert f"{100 * detectable:.1f} points" in body
    assert f">{math.ceil(items_for_lift(0.5, 0.10, 0.95)):,}<" in body

    refused = text(editor.post(page("campaigns/estimate/"), {**choice, "lift": "ten"}))
    assert "Type the difference in percentage points, e.g. 5." in refused


def test_launching_creates_the_campaign_and_opens_its_progress(editor, org, setup):
    profile, models, _ = setup

    response = editor.post(
        page("campaigns/new/"),
        {"profile": profile.pk, "candidates": [m.pk for m in models], "launch": ""},
    )

    campaign = Campaign.objects.get(organization=org)
    assert response["Location"] == f"/o/acme/campaigns/{campaign.pk}/"
    assert campaign.runs.count() == 2
    assert list(campaign.runs.values_list("status", flat=True)) == ["queued", "queued"]


def test_a_refused_launch_keeps_the_choices_and_says_why(editor, setup):
    profile, _, no_access = setup

    response = editor.post(
        page("campaigns/new/"), {"profile": profile.pk, "candidates": [no_access.pk], "launch": ""}
    )

    assert response.status_code == 200
    assert not Campaign.objects.exists()
    body = text(response)
    assert "The campaign was not launched." in body
    assert f'value="{no_access.pk}" id="id_candidates_2" checked' in body


def test_another_organisations_profile_or_candidate_is_not_a_valid_choice(editor, setup, other_org):
    profile, models, _ = setup
    theirs = f.CandidateFactory(organization=other_org, name="Their model")

    response = editor.post(
        page("campaigns/new/"),
        {"profile": profile.pk, "candidates": [models[0].pk, theirs.pk], "launch": ""},
    )

    assert not Campaign.objects.exists()
    assert "Their model" not in text(response)
    assert response.context["form"].errors["candidates"]


def test_progress_shows_done_total_elapsed_and_time_left_and_keeps_polling(viewer, org):
    started = timezone.now() - timedelta(seconds=30)
    campaign, (run,) = running_campaign(
        org, progress_done=250, progress_total=1000, started_at=started
    )

    response = viewer.get(page(f"campaigns/{campaign.pk}/progress/"))

    body = text(response)
    assert f'data-run-id="{run.pk}" data-status="running" data-done="250" data-total="1000"' in body
    assert "250 / 1,000" in body
    assert 'hx-trigger="every 1s"' in body
    (progress,) = response.context["progress"].runs
    assert progress.eta == pytest.approx(timedelta(seconds=90), abs=timedelta(seconds=2))
    assert "about 1 min 3" in body  # ~90 s left at the rate so far
    assert response["Cache-Control"] == "no-store"


def test_polling_stops_once_the_report_is_there(viewer, org):
    campaign, _ = running_campaign(org, statuses=(RunStatus.SUCCEEDED,))
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.SUCCEEDED, finished_at=timezone.now()
    )

    waiting = text(viewer.get(page(f"campaigns/{campaign.pk}/progress/")))
    report = f.ReportFactory(organization=org, campaign=campaign, profile=campaign.profile)
    done = text(viewer.get(page(f"campaigns/{campaign.pk}/progress/")))

    assert "Writing the report…" in waiting and "hx-trigger" in waiting
    assert "hx-trigger" not in done
    assert f"/o/acme/reports/{report.pk}/" in done


def test_a_failed_run_shows_its_error_and_an_editor_can_retry_it(editor, org):
    campaign, (run,) = running_campaign(
        org,
        statuses=(RunStatus.FAILED,),
        error_kind="ModelCallFailed",
        error_message="The endpoint answered 401: invalid API key.",
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.FAILED)

    body = text(editor.get(page(f"campaigns/{campaign.pk}/")))
    assert "Why it failed (ModelCallFailed):" in body
    assert "The endpoint answered 401: invalid API key." in body

    response = editor.post(page(f"runs/{run.pk}/retry/"), {"campaign": campaign.pk})

    assert response["Location"] == f"/o/acme/campaigns/{campaign.pk}/"
    run.refresh_from_db()
    campaign.refresh_from_db()
    assert run.status == RunStatus.QUEUED and not run.error_message
    assert campaign.status == CampaignStatus.RUNNING


def test_retrying_a_run_that_did_not_fail_says_why_not(editor, org):
    campaign, (run,) = running_campaign(org)

    response = editor.post(page(f"runs/{run.pk}/retry/"), {"campaign": campaign.pk}, follow=True)

    assert "only failed or cancelled runs retry" in text(response)


def test_an_editor_cancels_a_running_campaign(editor, org):
    campaign, (run,) = running_campaign(org, statuses=(RunStatus.QUEUED,))

    editor.post(page(f"campaigns/{campaign.pk}/cancel/"))

    campaign.refresh_from_db()
    run.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED and run.status == RunStatus.CANCELLED


def test_an_editor_writes_a_new_report_of_a_finished_campaign(editor, org):
    campaign = finished_campaign(org, LEGAL_MARKET, items=40)

    response = editor.post(page(f"campaigns/{campaign.pk}/report/"))

    report = ReportSnapshot.objects.get(campaign=campaign)
    assert response["Location"] == f"/o/acme/reports/{report.pk}/"


def test_a_viewer_watches_but_cannot_launch_cancel_retry_or_write_reports(viewer, org, setup):
    profile, models, _ = setup
    campaign, (run,) = running_campaign(org, statuses=(RunStatus.FAILED,))

    body = text(viewer.get(page(f"campaigns/{campaign.pk}/")))
    assert "Retry" not in body and "Cancel campaign" not in body
    assert viewer.get(page("campaigns/new/")).status_code == 403
    choice = {"profile": profile.pk, "candidates": [models[0].pk], "launch": ""}
    assert viewer.post(page("campaigns/new/"), choice).status_code == 403
    assert viewer.post(page("campaigns/estimate/"), choice).status_code == 403
    assert viewer.post(page(f"campaigns/{campaign.pk}/cancel/")).status_code == 403
    assert viewer.post(page(f"runs/{run.pk}/retry/")).status_code == 403
    assert viewer.post(page(f"campaigns/{campaign.pk}/report/")).status_code == 403
    assert Campaign.objects.filter(profile=profile).count() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED


def test_another_organisations_campaigns_and_runs_are_404(client_for, other_org):
    campaign, (run,) = running_campaign(other_org)
    admin = client_for(Role.ADMIN)

    assert admin.get(page(f"campaigns/{campaign.pk}/")).status_code == 404
    assert admin.get(page(f"campaigns/{campaign.pk}/progress/")).status_code == 404
    assert admin.post(page(f"campaigns/{campaign.pk}/cancel/")).status_code == 404
    assert admin.post(page(f"campaigns/{campaign.pk}/report/")).status_code == 404
    assert admin.post(page(f"runs/{run.pk}/retry/")).status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING


def test_the_list_takes_a_fixed_number_of_queries(viewer, org, django_assert_max_num_queries):
    for _ in range(8):
        running_campaign(org, statuses=(RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.QUEUED))

    with django_assert_max_num_queries(6):
        response = viewer.get(page("campaigns/"))

    assert text(response).count('class="row-title"') == 8


def test_the_progress_fragment_takes_a_fixed_number_of_queries(
    viewer, org, django_assert_max_num_queries
):
    campaign, _ = running_campaign(org, statuses=[RunStatus.RUNNING] * 6)

    with django_assert_max_num_queries(7):
        viewer.get(page(f"campaigns/{campaign.pk}/progress/"))
