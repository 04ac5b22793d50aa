import pytest

from procure.accounts.models import Role
from procure.catalog.models import CandidateModel
from procure.runs.models import RunStatus
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db

NEW = {
    "name": "LegalLM 7B",
    "provider": "Equall",
    "specialisation": "legal",
    "licence": "MIT",
    "open_weights": True,
    "vendor_jurisdiction": "FR",
    "parameters_billion": 7.2,
}


def test_it_lists_the_organisations_candidates_with_options_and_access(api, org):
    candidate = f.CandidateFactory(organization=org, name="Alpha")
    f.ApiOptionFactory(candidate=candidate)
    access = f.EvaluationAccessFactory(candidate=candidate)
    access.set_secret("sk-live-123")
    access.save()
    f.CandidateFactory(name="Someone else's")

    response = api.get(url("candidates/"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["name"] == "Alpha"
    assert item["deployment_options"][0]["kind"] == "api"
    assert item["evaluation_access"]["secret"] == "set"
    assert "sk-live-123" not in response.content.decode()


def test_the_list_costs_the_same_few_queries_for_many_candidates(
    api, org, django_assert_max_num_queries
):
    for _ in range(15):
        candidate = f.CandidateFactory(organization=org)
        f.ApiOptionFactory(candidate=candidate)
        f.SelfHostedOptionFactory(candidate=candidate)
        f.EvaluationAccessFactory(candidate=candidate)

    # token, last-used stamp, membership, count, page, options
    with django_assert_max_num_queries(7):
        response = api.get(url("candidates/"))

    assert response.json()["count"] == 15


def test_it_filters_candidates(api, org):
    legal = f.CandidateFactory(organization=org, specialisation="legal", open_weights=False)
    f.SelfHostedOptionFactory(candidate=legal, regions=["eu-west-1"])
    f.CandidateFactory(organization=org)

    def names(query: str) -> list[str]:
        return [c["name"] for c in api.get(url(f"candidates/?{query}")).json()["results"]]

    assert names("specialisation=legal") == [legal.name]
    assert names("open_weights=false") == [legal.name]
    assert names("region=eu-west-1") == [legal.name]
    assert names(f"name={legal.name[-2:]}") == [legal.name]


def test_an_editor_creates_a_candidate(api, org):
    response = api.post(url("candidates/"), NEW, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_specialist"] is True
    assert body["evaluation_access"] is None
    assert CandidateModel.objects.get(organization=org, pk=body["id"]).parameters_billion == 7.2


def test_creating_reports_every_bad_field(api):
    bad = {**NEW, "open_weights": "perhaps", "parameters_billion": "many", "name": ""}

    problems = errors(api.post(url("candidates/"), bad, format="json"))

    assert set(problems) == {"open_weights", "parameters_billion", "name"}


def test_creating_refuses_unknown_fields_and_duplicate_names(api, org):
    assert errors(api.post(url("candidates/"), {**NEW, "colour": "red"}, format="json")) == {
        "colour": ["Unknown field."]
    }
    f.CandidateFactory(organization=org, name=NEW["name"])
    assert "non_field_errors" in errors(api.post(url("candidates/"), NEW, format="json"))


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"a string"',
        b'{"name": {"nested": true}}',
        b'{"parameters_billion": 1e999}',
        b'{"parameters_billion": NaN}',
    ],
)
def test_malformed_bodies_are_400_with_the_error_shape(api, body):
    response = api.post(url("candidates/"), body, content_type="application/json")

    assert response.status_code == 400
    assert isinstance(response.json()["errors"], dict)


def test_a_form_encoded_body_is_415(api):
    response = api.post(url("candidates/"), {"name": "x"}, format="multipart")

    assert response.status_code == 415
    assert "detail" in response.json()


def test_it_reads_one_candidate(viewer_api, org):
    candidate = f.CandidateFactory(organization=org)

    response = viewer_api.get(url(f"candidates/{candidate.pk}/"))

    assert response.status_code == 200
    assert response.json()["name"] == candidate.name


def test_another_organisations_candidate_is_not_found(api):
    other = f.CandidateFactory()

    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(url(f"candidates/{other.pk}/"), {}, format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_an_id_beyond_bigint_is_not_found(api):
    assert api.get(url("candidates/99999999999999999999999/")).status_code == 404


def test_an_editor_changes_a_candidate(api, org):
    candidate = f.CandidateFactory(organization=org)

    response = api.patch(url(f"candidates/{candidate.pk}/"), {"licence": "MIT"}, format="json")

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert candidate.licence == "MIT"


def test_changing_validates_the_fields(api, org):
    candidate = f.CandidateFactory(organization=org)

    problems = errors(
        api.patch(url(f"candidates/{candidate.pk}/"), {"prices_as_of": "soon"}, format="json")
    )

    assert "prices_as_of" in problems


def test_an_editor_deletes_an_idle_candidate(api, org):
    candidate = f.CandidateFactory(organization=org)

    assert api.delete(url(f"candidates/{candidate.pk}/")).status_code == 204
    assert not CandidateModel.objects.filter(pk=candidate.pk).exists()


def test_a_candidate_under_evaluation_cannot_be_deleted(api, org):
    run = f.RunFactory(organization=org, status=RunStatus.RUNNING)

    response = api.delete(url(f"candidates/{run.candidate_id}/"))

    assert response.status_code == 409
    assert "being evaluated" in response.json()["detail"]


def test_viewers_cannot_write(viewer_api, org):
    candidate = f.CandidateFactory(organization=org)

    assert viewer_api.post(url("candidates/"), NEW, format="json").status_code == 403
    assert (
        viewer_api.patch(url(f"candidates/{candidate.pk}/"), {}, format="json").status_code == 403
    )
    response = viewer_api.delete(url(f"candidates/{candidate.pk}/"))
    assert response.status_code == 403
    assert "editor" in response.json()["detail"]


def test_the_role_of_a_member_of_several_organisations_is_per_organisation(api_for, org):
    other = f.OrganizationFactory()
    client = api_for(Role.VIEWER)
    user = f.MembershipFactory(organization=org, role=Role.VIEWER).user
    f.MembershipFactory(user=user, organization=other, role=Role.EDITOR)
    client.force_authenticate(user)

    assert client.post(url("candidates/"), NEW, format="json").status_code == 403
    assert client.post(url("candidates/", other.slug), NEW, format="json").status_code == 201
