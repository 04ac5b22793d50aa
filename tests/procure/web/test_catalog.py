"""Catalog pages: filters, candidates with deployment options, import/export, write-only keys."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from procure.accounts.models import Role
from procure.catalog.models import CandidateModel, DeploymentOption, EvaluationAccess
from tests import factories as f

from .conftest import logged_in, page, text

pytestmark = pytest.mark.django_db

SECRET = "sk-live-0123456789abcdef"


def candidate_data(**overrides) -> dict[str, str]:
    data = {
        "name": "LegalLM 7B",
        "provider": "Lex AI",
        "specialisation": "legal",
        "licence": "Apache-2.0",
        "open_weights": "on",
        "vendor_jurisdiction": "FR",
        "options-TOTAL_FORMS": "1",
        "options-INITIAL_FORMS": "0",
        "options-0-kind": "self_hosted",
        "options-0-name": "1x L40S (eu-central-1)",
        "options-0-regions": "eu",
        "options-0-hourly_rate": "2.33",
        "options-0-throughput_rps": "1.5",
        "options-0-min_instances": "1",
        "options-0-fixed_monthly_ops": "1500",
        "options-0-currency": "USD",
    }
    return {**data, **overrides}


def test_an_editor_adds_a_candidate_with_a_deployment_option(editor, org):
    response = editor.post(page("catalog/new/"), candidate_data())

    candidate = CandidateModel.objects.get(organization=org)
    assert response["Location"] == f"/o/acme/catalog/{candidate.pk}/"
    option = candidate.deployment_options.get()
    assert (option.kind, option.regions, option.throughput_rps) == ("self_hosted", ["eu"], 1.5)


def test_an_api_option_without_prices_is_refused_next_to_the_option(editor):
    response = editor.post(
        page("catalog/new/"),
        candidate_data(**{"options-0-kind": "api", "options-0-hourly_rate": ""}),
    )

    assert response.status_code == 200
    assert not CandidateModel.objects.exists()
    assert "An API offer needs an input and an output price." in text(response)
    assert 'value="LegalLM 7B"' in text(response)


def test_editing_updates_removes_and_adds_options_in_one_save(editor, org):
    candidate = f.CandidateFactory(organization=org, name="LegalLM 7B")
    kept = f.SelfHostedOptionFactory(candidate=candidate, name="Kept")
    dropped = f.ApiOptionFactory(candidate=candidate, name="Dropped")
    data = candidate_data(
        **{
            "options-TOTAL_FORMS": "3",
            "options-INITIAL_FORMS": "2",
            "options-0-id": str(dropped.pk),
            "options-0-kind": "api",
            "options-0-name": "Dropped",
            "options-0-input_price_per_mtok": "1",
            "options-0-output_price_per_mtok": "3",
            "options-0-DELETE": "on",
            "options-1-id": str(kept.pk),
            "options-1-kind": "self_hosted",
            "options-1-name": "Kept, renamed",
            "options-1-regions": ["eu", "uk"],
            "options-1-hourly_rate": "1.9",
            "options-1-throughput_rps": "3",
            "options-1-min_instances": "2",
            "options-1-fixed_monthly_ops": "1500",
            "options-1-currency": "EUR",
            "options-2-kind": "api",
            "options-2-name": "New API",
            "options-2-regions": "global",
            "options-2-input_price_per_mtok": "0.5",
            "options-2-output_price_per_mtok": "1.5",
            "options-2-min_instances": "1",
            "options-2-fixed_monthly_ops": "0",
            "options-2-currency": "USD",
        }
    )

    response = editor.post(page(f"catalog/{candidate.pk}/edit/"), data)

    assert response.status_code == 302
    options = {o.name: o for o in candidate.deployment_options.all()}
    assert set(options) == {"Kept, renamed", "New API"}
    assert options["Kept, renamed"].pk == kept.pk
    assert options["Kept, renamed"].regions == ["eu", "uk"]
    assert options["New API"].regions == ["global"]


def test_a_name_already_in_the_catalog_is_refused(editor, org):
    f.CandidateFactory(organization=org, name="LegalLM 7B")

    response = editor.post(page("catalog/new/"), candidate_data())

    assert response.context["form"].errors["name"] == [
        "The catalog already has a candidate with this name."
    ]


def test_the_list_filters_by_specialisation_licence_weights_and_region(viewer, org):
    legal = f.CandidateFactory(organization=org, name="LegalLM", specialisation="legal")
    f.SelfHostedOptionFactory(candidate=legal, regions=["eu"])
    general = f.CandidateFactory(
        organization=org, name="Giant", licence="proprietary", open_weights=False
    )
    f.ApiOptionFactory(candidate=general, regions=["us"])

    def names(query: str) -> list[str]:
        return [c.name for c in viewer.get(page(f"catalog/?{query}")).context["candidates"]]

    assert names("") == ["Giant", "LegalLM"]
    assert names("specialisation=legal") == ["LegalLM"]
    assert names("licence=proprietary") == ["Giant"]
    assert names("open_weights=yes") == ["LegalLM"]
    assert names("open_weights=no") == ["Giant"]
    assert names("region=us") == ["Giant"]
    assert names("region=eu&specialisation=general") == []


def test_the_list_takes_a_fixed_number_of_queries(viewer, org, django_assert_max_num_queries):
    for _ in range(10):
        candidate = f.CandidateFactory(organization=org)
        f.ApiOptionFactory(candidate=candidate)
        f.SelfHostedOptionFactory(candidate=candidate)
        f.EvaluationAccessFactory(candidate=candidate)

    # One more than before the catalog could be priced: the profiles to price it for.
    with django_assert_max_num_queries(11):
        response = viewer.get(page("catalog/?open_weights=yes"))

    assert text(response).count('class="row-title"') == 10


def test_export_and_import_round_trip_as_csv_with_one_row_per_option(editor, org, other_org):
    candidate = f.CandidateFactory(organization=org, name="LegalLM", specialisation="legal")
    f.SelfHostedOptionFactory(candidate=candidate, regions=["eu", "uk"])
    f.ApiOptionFactory(candidate=candidate, regions=["eu"])
    f.CandidateFactory(organization=org, name="No options yet")

    exported = editor.get(page("catalog/export.csv"))
    assert exported["Content-Disposition"] == 'attachment; filename="acme-catalog.csv"'
    csv_text = exported.content.decode()
    assert len(csv_text.strip().splitlines()) == 1 + 2 + 1  # header, two options, one bare

    # The same file imported into another organisation recreates the same catalog.
    importer = f.MembershipFactory(organization=other_org, role=Role.EDITOR)
    client = logged_in(Client(), importer.user)
    upload = SimpleUploadedFile("catalog.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(page("catalog/import/", slug="rival"), {"file": upload})

    assert response.status_code == 302
    copy = CandidateModel.objects.get(organization=other_org, name="LegalLM")
    assert sorted(o.kind for o in copy.deployment_options.all()) == ["api", "self_hosted"]
    assert copy.deployment_options.get(kind="self_hosted").regions == ["eu", "uk"]
    assert CandidateModel.objects.filter(organization=other_org).count() == 2


def test_json_export_holds_evaluation_access_but_never_the_key(viewer, org):
    candidate = f.CandidateFactory(organization=org)
    access = f.EvaluationAccessFactory(candidate=candidate, backend="local-completions")
    access.set_secret(SECRET)
    access.save()

    data = json.loads(viewer.get(page("catalog/export.json")).content)

    assert data["candidates"][0]["evaluation_access"]["backend"] == "local-completions"
    assert SECRET not in json.dumps(data) and "secret" not in json.dumps(data)


def test_a_bad_import_names_each_problem_and_changes_nothing(editor, org):
    f.CandidateFactory(organization=org, name="Existing", provider="Before")
    rows = (
        "name,provider,licence,vendor_jurisdiction,open_weights,option_kind,option_name\n"
        "Existing,After,MIT,FR,true,,\n"
        "Broken,Vendor,MIT,FR,maybe,,\n"
    )
    upload = SimpleUploadedFile("catalog.csv", rows.encode(), content_type="text/csv")

    response = editor.post(page("catalog/import/"), {"file": upload})

    assert response.status_code == 200
    assert "row 3: open_weights must be true or false, not &#x27;maybe&#x27;" in text(response)
    assert CandidateModel.objects.get(name="Existing").provider == "Before"


def test_import_problems_from_the_service_name_the_candidate(editor):
    data = {"candidates": [{"name": "No licence", "provider": "X", "vendor_jurisdiction": "FR"}]}
    upload = SimpleUploadedFile("c.json", json.dumps(data).encode())

    body = text(editor.post(page("catalog/import/"), {"file": upload}))

    assert "candidates[0] (“No licence”).licence: This field cannot be blank." in body


def test_an_admin_sets_a_key_that_is_never_shown_again(admin, org):
    candidate = f.CandidateFactory(organization=org)
    url = page(f"catalog/{candidate.pk}/access/")

    response = admin.post(
        url,
        {
            "backend": "local-completions",
            "identity": "legal-7b",
            "options": "base_url=https://api.example.eu/v1/completions\ntokenizer=/models/tok",
            "secret": SECRET,
        },
    )

    assert response.status_code == 302
    access = EvaluationAccess.objects.get(candidate=candidate)
    assert access.get_secret() == SECRET and access.options["tokenizer"] == "/models/tok"
    for path in (url, f"catalog/{candidate.pk}/"):
        body = text(admin.get(path if path.startswith("/") else page(path)))
        assert SECRET not in body and access.secret_encrypted not in body
    assert ">set</span>" in text(admin.get(page(f"catalog/{candidate.pk}/")))
    assert admin.get(url)["Cache-Control"] == "no-store"


def test_an_editor_registers_access_but_cannot_set_or_see_a_key(editor, org):
    candidate = f.CandidateFactory(organization=org)
    url = page(f"catalog/{candidate.pk}/access/")

    assert 'name="secret"' not in text(editor.get(url))
    response = editor.post(url, {"backend": "hf", "identity": "/models/tiny", "secret": SECRET})

    assert response.status_code == 302
    assert not EvaluationAccess.objects.get(candidate=candidate).has_secret


def test_an_access_holding_a_key_is_locked_for_editors(editor, org):
    candidate = f.CandidateFactory(organization=org)
    access = f.EvaluationAccessFactory(candidate=candidate, backend="local-completions")
    access.set_secret(SECRET)
    access.save()
    url = page(f"catalog/{candidate.pk}/access/")

    assert "Only an admin can change this access." in text(editor.get(url))
    response = editor.post(url, {"backend": "local-completions", "identity": "elsewhere"})

    assert response.status_code == 403
    access.refresh_from_db()
    assert access.identity != "elsewhere"


def test_backend_options_that_a_worker_would_refuse_are_shown_on_the_form(admin, org):
    candidate = f.CandidateFactory(organization=org)

    response = admin.post(
        page(f"catalog/{candidate.pk}/access/"),
        {"backend": "hf", "identity": "/models/tiny", "options": "no_such_option=1"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["options"]


@pytest.mark.parametrize(
    "path", ["catalog/new/", "catalog/{id}/edit/", "catalog/{id}/access/", "catalog/import/"]
)
def test_a_viewer_cannot_edit_the_catalog_or_reach_keys(viewer, org, path):
    candidate = f.CandidateFactory(organization=org)

    url = page(path.format(id=candidate.pk))
    assert viewer.get(url).status_code == 403
    assert viewer.post(url, {"name": "Hijacked"}).status_code == 403
    assert viewer.post(page(f"catalog/{candidate.pk}/delete/")).status_code == 403
    assert CandidateModel.objects.filter(pk=candidate.pk).exclude(name="Hijacked").exists()


@pytest.mark.parametrize(
    "path", ["catalog/{id}/", "catalog/{id}/edit/", "catalog/{id}/access/", "catalog/{id}/delete/"]
)
def test_another_organisations_candidate_is_404(client_for, other_org, path):
    theirs = f.CandidateFactory(organization=other_org)
    admin = client_for(Role.ADMIN)

    url = page(path.format(id=theirs.pk))
    response = admin.post(url) if path.endswith("delete/") else admin.get(url)

    assert response.status_code == 404
    assert CandidateModel.objects.filter(pk=theirs.pk).exists()


def test_deleting_a_candidate_removes_its_options(editor, org):
    candidate = f.CandidateFactory(organization=org)
    f.ApiOptionFactory(candidate=candidate)

    assert editor.post(page(f"catalog/{candidate.pk}/delete/"))["Location"] == "/o/acme/catalog/"
    assert not DeploymentOption.objects.exists()
