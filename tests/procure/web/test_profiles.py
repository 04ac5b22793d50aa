"""Task profile pages: list, create, edit, delete; errors next to fields; roles; isolation."""

import pytest

from procure.accounts.models import Role
from procure.profiles.models import TaskProfile
from tests import factories as f

from .conftest import page, text

pytestmark = pytest.mark.django_db


def form_data(suites=(), **overrides) -> dict[str, object]:
    """A complete, valid profile form as a browser would post it."""
    data: dict[str, object] = {
        "name": "Contract review",
        "domain": "Legal",
        "description": "First-pass review of supplier contracts.",
        "monthly_requests": "200000",
        "input_tokens": "1500",
        "output_tokens": "300",
        "peak_rps": "3",
        "latency_target_ms": "4000",
        "quality_bar": "60",
        "monthly_budget": "5000",
        "allowed_regions": ["eu", "ch"],
        "open_weights_required": "on",
        "other_licences": "Apache-2.0, MIT",
        "other_jurisdictions": "fr, de",
        "prefer_self_hosting": "1",
        "prefer_regions": "0.5",
        "preferred_regions": ["eu"],
        "weight_fit": "60",
        "weight_cost": "30",
        "weight_sovereignty": "10",
        "suites-TOTAL_FORMS": str(len(suites)),
        "suites-INITIAL_FORMS": str(len(suites)),
    }
    for index, (suite, include, weight) in enumerate(suites):
        data[f"suites-{index}-suite"] = str(suite.pk)
        if include:
            data[f"suites-{index}-include"] = "on"
        data[f"suites-{index}-weight"] = str(weight)
    return {**data, **overrides}


def test_an_editor_creates_a_profile_in_plain_units(editor, org):
    terms, drafting = f.SuiteFactory(organization=org), f.SuiteFactory(organization=org)

    response = editor.post(
        page("profiles/new/"), form_data(suites=[(terms, True, 2), (drafting, False, 1)])
    )

    profile = TaskProfile.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/profiles/{profile.pk}/"
    assert profile.domain == "legal"
    assert profile.quality_bar == pytest.approx(0.6)  # entered as a percentage
    assert profile.allowed_regions == ["eu", "ch"]
    assert profile.open_weights_required and not profile.self_hosting_required
    assert profile.allowed_licences == ["Apache-2.0", "MIT"]
    assert profile.allowed_jurisdictions == ["FR", "DE"]
    assert profile.sovereignty_preferences == {
        "self_hosting": 1.0,
        "data_regions": {"weight": 0.5, "values": ["eu"]},
    }
    assert (profile.weight_fit, profile.weight_cost, profile.weight_sovereignty) == (60, 30, 10)
    assert [(w.suite, w.weight) for w in profile.suite_weights.all()] == [(terms, 2.0)]


def test_a_bad_field_shows_its_error_next_to_it_and_keeps_every_other_value(editor, org):
    suite = f.SuiteFactory(organization=org, name="Legal terms")

    response = editor.post(
        page("profiles/new/"), form_data(suites=[(suite, True, 2)], peak_rps="-5")
    )

    assert response.status_code == 200
    assert not TaskProfile.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["peak_rps"]
    body = text(response)
    # The error sits in the field's own block, tied to its input for screen readers.
    field_html = body.split('id="id_peak_rps"')[1].split('class="field')[0]
    assert 'id="id_peak_rps_error"' in field_html
    assert "Ensure this value is greater than or equal to 0.01." in field_html
    assert 'aria-describedby="id_peak_rps_helptext id_peak_rps_error"' in body
    # Nothing typed is lost.
    assert 'value="Contract review"' in body
    assert 'value="ch" id="id_allowed_regions_2" checked' in body
    assert 'name="weight_fit" value="60"' in body
    assert 'name="suites-0-include" id="id_suites-0-include" checked' in body
    assert "Fit counts 60%, cost 30%, sovereignty 10%." in body


def test_a_name_already_used_is_refused_on_the_name_field(editor, org):
    f.ProfileFactory(organization=org, name="Contract review")

    response = editor.post(page("profiles/new/"), form_data())

    assert response.context["form"].errors["name"] == [
        "Another profile already has this name; choose another."
    ]


def test_an_included_suite_needs_a_weight_above_zero(editor, org):
    suite = f.SuiteFactory(organization=org)

    response = editor.post(page("profiles/new/"), form_data(suites=[(suite, True, 0)]))

    assert response.status_code == 200
    assert "Give a weight above zero, or untick the suite." in text(response)
    assert not TaskProfile.objects.exists()


def test_all_weights_at_zero_are_refused(editor):
    response = editor.post(
        page("profiles/new/"), form_data(weight_fit="0", weight_cost="0", weight_sovereignty="0")
    )

    assert "At least one of the three must count for something." in text(response)


def test_a_tampered_row_count_is_refused_without_building_thousands_of_rows(editor, org):
    f.SuiteFactory(organization=org)

    response = editor.post(page("profiles/new/"), form_data(**{"suites-TOTAL_FORMS": "100000"}))

    assert response.status_code == 200
    assert not TaskProfile.objects.exists()
    assert len(response.context["formset"].forms) == 1  # one per suite of the organisation
    assert "Please submit at most 1 form." in text(response)


def test_a_suite_of_another_organisation_cannot_be_attached(editor, org, other_org):
    # The form has a row per suite of the organisation: the tampered row replaces its own.
    f.SuiteFactory(organization=org, name="Our suite")
    theirs = f.SuiteFactory(organization=other_org, name="Their secret suite")

    response = editor.post(page("profiles/new/"), form_data(suites=[(theirs, True, 1)]))

    assert response.status_code == 200
    assert not TaskProfile.objects.exists()
    body = text(response)
    assert f"no suite {theirs.pk} in this organisation" in body
    assert "Their secret suite" not in body


def test_editing_shows_stored_values_in_the_forms_units_and_keeps_other_preferences(editor, org):
    suite = f.SuiteFactory(organization=org)
    profile = f.ProfileFactory(
        organization=org,
        quality_bar=0.6,
        weight_fit=0.5,
        weight_cost=0.3,
        weight_sovereignty=0.2,
        sovereignty_preferences={"licences": {"weight": 1, "values": ["MIT"]}},
    )
    f.ProfileSuiteFactory(profile=profile, suite=suite, weight=3)

    form = editor.get(page(f"profiles/{profile.pk}/edit/")).context["form"]
    assert form.initial["quality_bar"] == 60.0
    assert (form.initial["weight_fit"], form.initial["weight_cost"]) == (50.0, 30.0)

    response = editor.post(
        page(f"profiles/{profile.pk}/edit/"),
        form_data(suites=[(suite, True, 1.5)], name=profile.name, prefer_self_hosting=""),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.monthly_requests == 200_000
    assert profile.suite_weights.get().weight == 1.5
    assert profile.sovereignty_preferences == {
        "licences": {"weight": 1, "values": ["MIT"]},
        "data_regions": {"weight": 0.5, "values": ["eu"]},
    }


def test_a_new_profile_starts_from_sensible_defaults(editor):
    body = text(editor.get(page("profiles/new/")))

    assert 'name="monthly_requests" value="100000"' in body
    assert "requests per month" in body and "tokens per request" in body
    assert "requests per second" in body and "milliseconds" in body
    assert "Fit counts 50%, cost 30%, sovereignty 20%." in body


def test_the_detail_page_says_what_the_profile_means(viewer, org):
    profile = f.ProfileFactory(organization=org, monthly_requests=200_000, allowed_regions=["eu"])
    report = f.ReportFactory(organization=org, profile=profile, recommended="LegalLM 7B")

    body = text(viewer.get(page(f"profiles/{profile.pk}/")))

    assert "200,000 requests per month" in body
    assert "Data may only be processed in: <strong>EU / EEA</strong>" in body
    assert f"/o/acme/reports/{report.pk}/" in body and "LegalLM 7B" in body
    assert "Edit profile" not in body and "Launch a campaign" not in body


@pytest.mark.parametrize("path", ["profiles/new/", "profiles/{id}/edit/"])
def test_a_viewer_cannot_create_or_edit(viewer, org, path):
    profile = f.ProfileFactory(organization=org)
    url = page(path.format(id=profile.pk))

    assert viewer.get(url).status_code == 403
    assert viewer.post(url, form_data(name="Hijacked")).status_code == 403
    profile.refresh_from_db()
    assert profile.name != "Hijacked"


def test_a_viewer_cannot_delete(viewer, org):
    profile = f.ProfileFactory(organization=org)

    assert viewer.post(page(f"profiles/{profile.pk}/delete/")).status_code == 403
    assert TaskProfile.objects.filter(pk=profile.pk).exists()


def test_an_editor_deletes_a_profile(editor, org):
    profile = f.ProfileFactory(organization=org)

    response = editor.post(page(f"profiles/{profile.pk}/delete/"))

    assert response["Location"] == "/o/acme/profiles/"
    assert not TaskProfile.objects.filter(pk=profile.pk).exists()


@pytest.mark.parametrize("path", ["profiles/{id}/", "profiles/{id}/edit/", "profiles/{id}/delete/"])
def test_another_organisations_profile_is_404_by_url_guessing(client_for, other_org, path):
    theirs = f.ProfileFactory(organization=other_org, name="Theirs")
    admin = client_for(Role.ADMIN)  # an admin of acme, guessing ids under acme's own URL

    url = page(path.format(id=theirs.pk))
    response = admin.post(url) if path.endswith("delete/") else admin.get(url)

    assert response.status_code == 404
    assert TaskProfile.objects.filter(pk=theirs.pk, name="Theirs").exists()


def test_the_list_takes_a_fixed_number_of_queries(viewer, org, django_assert_max_num_queries):
    for _ in range(8):
        profile = f.ProfileFactory(organization=org)
        for _ in range(2):
            f.ProfileSuiteFactory(profile=profile)
        f.ReportFactory(organization=org, profile=profile)
        f.CampaignFactory(organization=org, profile=profile)

    with django_assert_max_num_queries(7):
        response = viewer.get(page("profiles/"))

    assert response.status_code == 200
    assert text(response).count('class="row-title"') == 8
