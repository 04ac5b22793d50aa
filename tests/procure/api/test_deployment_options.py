import pytest

from procure.catalog.models import DeploymentOption
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db

SELF_HOSTED = {
    "kind": "self_hosted",
    "name": "1x L4",
    "hardware": "1x NVIDIA L4",
    "regions": ["eu-west-1"],
    "hourly_rate": "0.80",
    "throughput_rps": 2.0,
}


@pytest.fixture
def candidate(org):
    return f.CandidateFactory(organization=org)


def options_url(candidate, option=None) -> str:
    tail = f"{option.pk}/" if option else ""
    return url(f"candidates/{candidate.pk}/deployment-options/{tail}")


def test_an_editor_adds_an_option(api, candidate):
    response = api.post(options_url(candidate), SELF_HOSTED, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["hourly_rate"] == "0.8000"
    assert candidate.deployment_options.get().regions == ["eu-west-1"]


def test_an_option_breaking_a_rule_of_its_kind_is_refused(api, candidate):
    api_offer_without_prices = {"kind": "api", "name": "Vendor", "regions": ["eu"]}

    problems = errors(api.post(options_url(candidate), api_offer_without_prices, format="json"))

    assert problems == {"non_field_errors": ["An API offer needs an input and an output price."]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hourly_rate", "-1"),
        ("hourly_rate", "1e30"),
        ("min_instances", 10**30),
        ("throughput_rps", "fast"),
        ("regions", "eu"),
        ("kind", "rented"),
    ],
)
def test_bad_values_are_field_errors(api, candidate, field, value):
    problems = errors(
        api.post(options_url(candidate), {**SELF_HOSTED, field: value}, format="json")
    )

    assert field in problems


def test_it_lists_reads_changes_and_deletes_options(api, candidate):
    option = f.SelfHostedOptionFactory(candidate=candidate)
    f.ApiOptionFactory(candidate=candidate)
    f.ApiOptionFactory()  # another organisation's

    assert api.get(options_url(candidate)).json()["count"] == 2
    assert api.get(options_url(candidate, option)).json()["name"] == option.name
    changed = api.patch(options_url(candidate, option), {"min_instances": 3}, format="json")
    assert changed.status_code == 200 and changed.json()["min_instances"] == 3
    assert api.delete(options_url(candidate, option)).status_code == 204
    assert not DeploymentOption.objects.filter(pk=option.pk).exists()


def test_an_option_is_reached_only_through_its_own_candidate(api, org, candidate):
    option = f.ApiOptionFactory(candidate=f.CandidateFactory(organization=org))

    assert api.get(options_url(candidate, option)).status_code == 404
    assert (
        api.get(url(f"candidates/{f.CandidateFactory().pk}/deployment-options/")).status_code == 404
    )


def test_viewers_read_but_do_not_write(viewer_api, candidate):
    option = f.ApiOptionFactory(candidate=candidate)

    assert viewer_api.get(options_url(candidate, option)).status_code == 200
    assert viewer_api.post(options_url(candidate), SELF_HOSTED, format="json").status_code == 403
