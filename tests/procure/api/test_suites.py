import io
import tarfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from procure.suites.models import SuiteVersion
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, read_dir

from .conftest import errors, url

pytestmark = pytest.mark.django_db
TERMS = read_dir(SAMPLE_SUITES / "legal_terms")
GROUP = read_dir(SAMPLE_SUITES / "legal_group")


def uploads(files: dict[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data) for name, data in files.items()]


def upload(client, files, name="Legal terms", **fields):
    return client.post(url("suites/"), {"name": name, "files": uploads(files), **fields})


def tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"suite/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_an_editor_uploads_loose_files_and_gets_a_version(api, org):
    response = upload(api, TERMS, domain="legal")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["suite"]["name"] == "Legal terms"
    assert body["suite"]["latest_version"] == 1
    assert body["version"]["number"] == 1
    assert body["version"]["tasks"][0]["n_docs"] == 20
    assert SuiteVersion.objects.get(pk=body["version"]["id"]).suite.organization == org


def test_the_same_content_again_returns_the_existing_version(api):
    first = upload(api, TERMS).json()

    again = upload(api, TERMS)

    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["version"]["id"] == first["version"]["id"]


def test_a_suite_with_folders_arrives_as_an_archive(api):
    archive = {"legal_group.tar.gz": tar_gz(GROUP)}

    response = upload(api, archive, name="Legal group")

    assert response.status_code == 201, response.content
    assert len(response.json()["version"]["tasks"]) == 2


def test_a_zip_archive_is_accepted_too(api):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in TERMS.items():
            archive.writestr(name, data)

    assert upload(api, {"terms.zip": buffer.getvalue()}).status_code == 201


def test_a_refused_upload_lists_its_problems_by_file_line_and_key(api):
    broken = {**TERMS, "legal_terms.yaml": TERMS["legal_terms.yaml"] + b"\n!!python/object: x\n"}

    response = upload(api, broken)

    assert response.status_code == 400
    body = response.json()
    assert body["problems"], body
    problem = body["problems"][0]
    assert set(problem) == {"file", "line", "key", "message"}
    assert problem["file"] == "legal_terms.yaml"
    assert body["errors"]["files"]
    assert not SuiteVersion.objects.exists()


def test_an_archive_that_is_not_one_is_refused_with_a_problem(api):
    response = upload(api, {"suite.tar.gz": b"not gzip at all"})

    assert response.status_code == 400
    assert response.json()["problems"][0]["file"] == "suite.tar.gz"


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x"},  # no files
        {"name": "x", "files": "not a file"},
        {"files": uploads(TERMS)},  # no name
        {"name": "x" * 201, "files": uploads(TERMS)},
        {"name": "x", "files": uploads(TERMS), "colour": "red"},
    ],
)
def test_bad_upload_forms_are_field_errors(api, data):
    assert errors(api.post(url("suites/"), data))


def test_a_json_body_is_415(api):
    assert api.post(url("suites/"), {"name": "x"}, format="json").status_code == 415


def test_validation_without_storing(viewer_api):
    ok = viewer_api.post(url("suites/validate/"), {"files": uploads(TERMS)})
    refused = viewer_api.post(url("suites/validate/"), {"files": uploads({"a.yaml": b"task: ["})})

    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert ok.json()["tasks"][0]["name"]
    assert refused.status_code == 200 and refused.json()["ok"] is False
    assert refused.json()["problems"][0]["file"] == "a.yaml"
    assert not SuiteVersion.objects.exists()


def test_validation_notes_the_keys_it_drops(viewer_api):
    yaml_name = next(name for name in TERMS if name.endswith(".yaml"))
    files = {**TERMS, yaml_name: TERMS[yaml_name] + b"should_decontaminate: true\n"}

    body = viewer_api.post(url("suites/validate/"), {"files": uploads(files)}).json()

    assert body["ok"] is True
    assert [note["key"] for note in body["notes"]] == ["should_decontaminate"]


def test_it_lists_suites_and_versions(viewer_api, org, django_assert_max_num_queries):
    for _ in range(5):
        suite = f.SuiteFactory(organization=org)
        f.SuiteVersionFactory(suite=suite)
        f.SuiteVersionFactory(suite=suite)
    f.SuiteFactory()  # another organisation's

    with django_assert_max_num_queries(6):
        body = viewer_api.get(url("suites/")).json()

    assert body["count"] == 5
    assert {s["version_count"] for s in body["results"]} == {2}
    versions = viewer_api.get(url(f"suites/{suite.pk}/versions/")).json()
    assert [v["number"] for v in versions["results"]] == sorted(
        [v["number"] for v in versions["results"]], reverse=True
    )
    assert viewer_api.get(url(f"suites/{suite.pk}/")).json()["latest_version"] == max(
        v["number"] for v in versions["results"]
    )


def test_another_organisations_suite_is_not_found(viewer_api):
    suite = f.SuiteFactory()

    assert viewer_api.get(url(f"suites/{suite.pk}/")).status_code == 404
    assert viewer_api.get(url(f"suites/{suite.pk}/versions/")).status_code == 404
