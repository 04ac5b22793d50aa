"""Suite pages: upload with a validation report, versions, preview; roles and isolation."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procure.accounts.models import Role
from procure.suites.models import Suite, SuiteVersion
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, read_dir, upload_dir

from .conftest import page, text

pytestmark = pytest.mark.django_db

LEGAL_TERMS = SAMPLE_SUITES / "legal_terms"


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data) for name, data in files.items()]


def test_an_editor_uploads_loose_files_and_gets_version_1(editor, org):
    response = editor.post(
        page("suites/upload/"),
        {"name": "Legal terms", "domain": "legal", "upload": uploads(read_dir(LEGAL_TERMS))},
    )

    suite = Suite.objects.get(organization=org)
    assert response["Location"] == f"/o/acme/suites/{suite.pk}/"
    version = suite.versions.get()
    assert version.number == 1 and version.tasks[0]["n_docs"] == 20
    assert "Stored version 1" in text(editor.get(response["Location"]))


def test_an_archive_uploads_as_a_new_version_of_an_existing_suite(editor, org):
    first = upload_dir(org, "Legal terms", LEGAL_TERMS)
    files = read_dir(LEGAL_TERMS)
    files["legal_terms.jsonl"] += files["legal_terms.jsonl"].splitlines(keepends=True)[0]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, data in files.items():
            zipped.writestr(f"legal_terms/{name}", data)

    response = editor.post(
        page(f"suites/{first.suite_id}/upload/"),
        # The name is fixed on this page: a tampered one is ignored.
        {"name": "Something else", "upload": uploads({"suite.zip": archive.getvalue()})},
    )

    assert response.status_code == 302
    assert list(Suite.objects.values_list("name", flat=True)) == ["Legal terms"]
    assert first.suite.versions.count() == 2


def test_a_refused_upload_reports_file_line_key_and_why_and_stores_nothing(editor):
    files = read_dir(LEGAL_TERMS)
    files["legal_terms.yaml"] = files["legal_terms.yaml"].replace(
        b"output_type: multiple_choice", b"output_type: multiple_choice\n!!python/name:os.system"
    )
    files["legal_terms.jsonl"] += b'{"question": "broken"\n'

    response = editor.post(
        page("suites/upload/"),
        {"name": "Legal terms", "domain": "legal", "upload": uploads(files)},
    )

    assert response.status_code == 200
    assert not SuiteVersion.objects.exists()
    refused = response.context["refused"]
    assert refused.problems
    body = text(response)
    assert "The suite was refused" in body and "Nothing was stored." in body
    for problem in refused.problems:
        assert problem.file in body and problem.message.split("'")[0] in body
    assert any(p.line for p in refused.problems)
    assert 'value="Legal terms"' in body  # the other fields are kept


def test_an_empty_upload_is_refused_on_the_files_field(editor):
    response = editor.post(page("suites/upload/"), {"name": "Legal terms"})

    assert response.context["form"].errors["upload"] == ["This field is required."]


def test_the_detail_lists_versions_and_the_preview_shows_items_as_the_model_sees_them(viewer, org):
    version = upload_dir(org, "Legal terms", LEGAL_TERMS)

    detail = text(viewer.get(page(f"suites/{version.suite_id}/")))
    preview = text(viewer.get(page(f"suites/versions/{version.pk}/preview/")))

    assert "procure_legal_terms" in detail and "20 items" in detail
    assert version.content_hash[:12] in detail
    assert "Upload a new version" not in detail  # a viewer reads only
    assert "The following are questions about legal terms." in preview
    assert "Which term describes a promise" in preview
    assert preview.count("expected") == 5


def test_a_viewer_cannot_upload(viewer, org):
    response = viewer.post(
        page("suites/upload/"), {"name": "X", "upload": uploads(read_dir(LEGAL_TERMS))}
    )

    assert response.status_code == 403
    assert not Suite.objects.exists()


def test_another_organisations_suite_and_versions_are_404(client_for, other_org):
    version = upload_dir(other_org, "Their suite", LEGAL_TERMS)
    admin = client_for(Role.ADMIN)

    assert admin.get(page(f"suites/{version.suite_id}/")).status_code == 404
    assert admin.get(page(f"suites/{version.suite_id}/upload/")).status_code == 404
    assert admin.get(page(f"suites/versions/{version.pk}/preview/")).status_code == 404


def test_the_list_takes_a_fixed_number_of_queries(viewer, org, django_assert_max_num_queries):
    for _ in range(10):
        f.SuiteVersionFactory(suite=f.SuiteFactory(organization=org))

    with django_assert_max_num_queries(6):
        response = viewer.get(page("suites/"))

    assert text(response).count('class="row-title"') == 10
