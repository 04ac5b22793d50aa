"""Every edit form in the app, opened and saved without a change, changes nothing.

A browser re-submits what the page shows it; any field the page renders in a shape the browser
refuses (a localised date in <input type="date">), rounds, or leaves out is lost on save. Each
object is filled with every field set to a non-default value, saved unchanged through the real
page in Chromium, and compared field by field.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import models
from playwright.sync_api import Page, expect

from procure.accounts.models import Membership
from procure.catalog.models import CandidateModel, EvaluationAccess
from procure.profiles.models import TaskProfile
from procure.schedules.models import Schedule
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, upload_dir

from .conftest import Role, log_in, member

pytestmark = [pytest.mark.slow, pytest.mark.services]
# Not typed by anyone: timestamps, the ciphertext (re-encrypted with a fresh nonce) and what the
# endpoint probe found, which saving an access re-probes on purpose.
IGNORED = {"created_at", "updated_at", "secret_encrypted", "capabilities", "probed_at"}


def fields_of(instance: models.Model) -> dict[str, object]:
    instance.refresh_from_db()
    values: dict[str, object] = {}
    for field in instance._meta.concrete_fields:
        if field.name not in IGNORED:
            values[field.name] = getattr(instance, field.attname)
    for field in instance._meta.many_to_many:
        values[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return values


def options_of(candidate: CandidateModel) -> list[dict[str, object]]:
    # Regions are a set of codes; the form lists them in its own order, which means nothing.
    return [
        {**fields_of(option), "regions": sorted(option.regions)}
        for option in candidate.deployment_options.order_by("pk")
    ]


def save_unchanged(page: Page, path: str, button: str) -> None:
    page.goto(path)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".errorlist")).to_have_count(0)
    page.wait_for_load_state("networkidle")


@pytest.fixture
def editor_page(page: Page, org):
    member(org, Role.ADMIN, "ada")
    log_in(page, "ada")
    return page


def full_candidate(org) -> CandidateModel:
    candidate = f.CandidateFactory(
        organization=org,
        name="SaulLM-7B Instruct",
        specialisation="legal",
        licence="MIT",
        vendor_jurisdiction="FR",
        description="Legal model.\nTwo lines.",
        parameters_billion=7.24,
        prices_as_of=date(2025, 7, 1),
        price_source="https://aws.amazon.com/ec2/pricing/on-demand/",
        context_window=32768,
        weights_released_on=date(2024, 3, 6),
    )
    f.ApiOptionFactory(
        candidate=candidate,
        name="Together AI",
        regions=["us", "eu"],
        input_price_per_mtok=Decimal("0.0750"),
        output_price_per_mtok=Decimal("0.2200"),
        price_source="genai-prices",
        price_source_model="together/some-model",
        price_reference="genai-prices 0.2.3",
        price_date=date(2026, 12, 1),
    )
    f.SelfHostedOptionFactory(
        candidate=candidate,
        name="AWS g6.xlarge (eu-central-1)",
        hourly_rate=Decimal("1.0100"),
        throughput_rps=1.5,
        min_instances=2,
        fixed_monthly_ops=Decimal("1500.50"),
        currency="EUR",
        price_reference="https://aws.amazon.com/ec2/pricing/on-demand/",
        price_date=date(2025, 7, 1),
    )
    return candidate


def test_the_candidate_form_with_its_options_round_trips(editor_page: Page, org):
    candidate = full_candidate(org)
    before, options_before = fields_of(candidate), options_of(candidate)

    save_unchanged(editor_page, f"/o/acme/catalog/{candidate.pk}/edit/", "Save changes")

    expect(editor_page.get_by_text("Saved SaulLM-7B Instruct.")).to_be_visible()
    assert fields_of(candidate) == before
    assert options_of(candidate) == options_before


def test_the_evaluation_access_form_round_trips(editor_page: Page, org):
    candidate = full_candidate(org)
    access = EvaluationAccess.objects.create(
        candidate=candidate,
        backend="local-completions",
        identity="saul-7b",
        revision="v1.2",
        options={"base_url": "http://127.0.0.1:8001/v1/completions", "tokenizer": "/models/t"},
    )
    access.set_secret("sk-kept")
    access.save()
    before = fields_of(access)

    save_unchanged(editor_page, f"/o/acme/catalog/{candidate.pk}/access/", "Save access")

    assert fields_of(access) == before
    access.refresh_from_db()
    assert access.get_secret() == "sk-kept"


def test_the_profile_form_round_trips(editor_page: Page, org):
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    f.CandidateFactory(organization=org, licence="Apache-2.0", vendor_jurisdiction="FR")
    profile = f.ProfileFactory(
        organization=org,
        name="Contract review",
        description="NDAs and supplier contracts.",
        monthly_requests=250_000,
        input_tokens=1500,
        output_tokens=300,
        peak_rps=2.5,
        latency_target_ms=4000,
        quality_bar=0.65,
        exclude_below_bar=True,
        monthly_budget=Decimal("12000.50"),
        exclude_over_budget=True,
        allowed_regions=["eu"],
        open_weights_required=True,
        allowed_licences=["Apache-2.0"],
        allowed_jurisdictions=["FR"],
        weight_fit=0.6,
        weight_cost=0.3,
        weight_sovereignty=0.1,
    )
    f.ProfileSuiteFactory(profile=profile, suite=version.suite, weight=2.0)
    before = fields_of(profile)
    weights_before = list(profile.suite_weights.values_list("suite_id", "weight"))

    save_unchanged(editor_page, f"/o/acme/profiles/{profile.pk}/edit/", "Save changes")

    assert fields_of(TaskProfile.objects.get(pk=profile.pk)) == before
    assert list(profile.suite_weights.values_list("suite_id", "weight")) == weights_before


def test_the_schedule_form_round_trips(editor_page: Page, org):
    from procure.schedules.services import schedule_set

    profile = f.ProfileFactory(organization=org, name="Contract review")
    watcher = f.MembershipFactory(organization=org, user__email="w@acme.example").user
    candidate = f.CandidateFactory(organization=org)
    schedule = schedule_set(
        organization=org,
        profile_id=profile.pk,
        frequency="custom",
        crontab="15 4 * * 2",
        enabled=False,
        candidate_ids=[candidate.pk],
        watcher_ids=[watcher.pk],
        fit_threshold=0.05,
        cost_threshold=0.25,
    )
    before = fields_of(schedule)

    save_unchanged(editor_page, f"/o/acme/profiles/{profile.pk}/schedule/", "Save the schedule")

    assert fields_of(Schedule.objects.get(pk=schedule.pk)) == before


def test_the_member_role_form_round_trips(editor_page: Page, org):
    membership = f.MembershipFactory(organization=org, role=Role.VIEWER, user__username="vic")
    before = fields_of(membership)

    editor_page.goto("/o/acme/members/")
    row = editor_page.get_by_role("row").filter(has_text="vic")
    row.get_by_role("button", name="Change").click()
    editor_page.wait_for_load_state("networkidle")

    assert fields_of(Membership.objects.get(pk=membership.pk)) == before


def test_the_reporting_currency_form_round_trips(editor_page: Page, org):
    from procure.catalog.rates import reporting_currency_set

    reporting_currency_set(organization=org, currency="EUR")
    before = fields_of(org)

    save_unchanged(editor_page, "/o/acme/currency/", "Save currency")

    assert fields_of(type(org).objects.get(pk=org.pk)) == before
