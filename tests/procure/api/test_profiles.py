import pytest

from procure.profiles.models import TaskProfile
from procure.runs.models import CampaignStatus
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def suites(org):
    return [f.SuiteFactory(organization=org) for _ in range(2)]


def test_an_editor_creates_a_profile_with_weighted_suites(api, org, suites):
    body = {
        "name": "Contracts",
        "domain": "legal",
        "monthly_requests": 200_000,
        "allowed_regions": ["eu"],
        "sovereignty_preferences": {"eu_vendor": 0.5},
        "suites": [{"suite": suites[0].pk, "weight": 2}, {"suite": suites[1].pk}],
    }

    response = api.post(url("profiles/"), body, format="json")

    assert response.status_code == 201, response.content
    created = response.json()
    assert [(s["name"], s["weight"]) for s in created["suites"]] == [
        (suites[0].name, 2.0),
        (suites[1].name, 1.0),
    ]
    assert TaskProfile.objects.get(organization=org, pk=created["id"]).monthly_requests == 200_000


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ({"name": "P", "domain": "d", "weight_fit": -1}, "weight_fit"),
        ({"name": "P", "domain": "d", "quality_bar": 2}, "quality_bar"),
        ({"name": "P", "domain": "d", "monthly_requests": 10**30}, "monthly_requests"),
        ({"name": "P", "domain": "d", "suites": [{"suite": 10**30}]}, "suites[0].suite"),
        ({"name": "P", "domain": "d", "suites": "all"}, "suites"),
        (
            {"name": "P", "domain": "d", "sovereignty_preferences": {"x": 3}},
            "sovereignty_preferences.x",
        ),
        ({"name": "P", "domain": "d", "colour": "red"}, "colour"),
        ({"domain": "d"}, "name"),
    ],
)
def test_bad_profiles_are_field_errors(api, body, place):
    assert place in errors(api.post(url("profiles/"), body, format="json"))


def test_suites_must_be_the_organisations_own_and_listed_once(api, suites):
    foreign = f.SuiteFactory()
    body = {"name": "P", "domain": "d", "suites": [{"suite": foreign.pk}]}
    twice = {"name": "P", "domain": "d", "suites": [{"suite": suites[0].pk}] * 2}

    assert (
        "no suite" in errors(api.post(url("profiles/"), body, format="json"))["suites[0].suite"][0]
    )
    assert "twice" in errors(api.post(url("profiles/"), twice, format="json"))["suites[1].suite"][0]


def test_all_weights_zero_is_refused(api):
    body = {"name": "P", "domain": "d", "weight_fit": 0, "weight_cost": 0, "weight_sovereignty": 0}

    assert "non_field_errors" in errors(api.post(url("profiles/"), body, format="json"))


def test_it_lists_and_reads_profiles_without_a_query_per_profile(
    viewer_api, org, django_assert_max_num_queries
):
    for _ in range(6):
        profile = f.ProfileFactory(organization=org)
        f.ProfileSuiteFactory(profile=profile)
        f.ProfileSuiteFactory(profile=profile)
    f.ProfileFactory()

    with django_assert_max_num_queries(6):
        body = viewer_api.get(url("profiles/")).json()

    assert body["count"] == 6
    assert all(len(p["suites"]) == 2 for p in body["results"])
    assert viewer_api.get(url(f"profiles/{profile.pk}/")).json()["name"] == profile.name


def test_an_editor_changes_a_profile_and_its_suites(api, org, suites):
    profile = f.ProfileFactory(organization=org)
    f.ProfileSuiteFactory(profile=profile, suite=suites[0])

    response = api.patch(
        url(f"profiles/{profile.pk}/"),
        {"weight_cost": 0.9, "suites": [{"suite": suites[1].pk, "weight": 3}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["weight_cost"] == 0.9
    assert [s["suite"] for s in response.json()["suites"]] == [suites[1].pk]


def test_a_patch_keeps_what_it_does_not_mention(api, org, suites):
    profile = f.ProfileFactory(organization=org, monthly_requests=42)
    f.ProfileSuiteFactory(profile=profile, suite=suites[0])

    body = api.patch(url(f"profiles/{profile.pk}/"), {"description": "x"}, format="json").json()

    assert body["monthly_requests"] == 42 and len(body["suites"]) == 1


def test_another_organisations_profile_is_not_found_even_with_a_bad_body(api):
    profile = f.ProfileFactory()

    assert (
        api.patch(url(f"profiles/{profile.pk}/"), {"weight_fit": -1}, format="json").status_code
        == 404
    )
    assert api.get(url(f"profiles/{profile.pk}/")).status_code == 404


def test_an_editor_deletes_a_profile_unless_a_campaign_runs_for_it(api, org):
    idle = f.ProfileFactory(organization=org)
    busy = f.CampaignFactory(organization=org, status=CampaignStatus.RUNNING).profile

    assert api.delete(url(f"profiles/{idle.pk}/")).status_code == 204
    assert api.delete(url(f"profiles/{busy.pk}/")).status_code == 409
    assert set(TaskProfile.objects.filter(organization=org)) == {busy}
