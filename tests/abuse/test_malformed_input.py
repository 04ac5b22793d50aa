"""Malformed suites and profiles through the real API and the real web forms.

tests/evals/test_suite_fuzz.py shows that the pure validator answers any bytes with a report;
here the same kind of input travels the whole way a user's would (multipart parsing, Django's
upload limits, serializers and forms, services, templates) and must come back as a 400 naming
the field, or as the form again with the error beside the field: never a 5xx.
"""

from __future__ import annotations

import functools
import io
import json
import tarfile
import zipfile
from typing import Any

import pytest
import yaml
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from procure.accounts.models import Role
from procure.accounts.services import token_create
from procure.profiles.services import PROFILE_FIELDS
from procure.suites.models import SuiteVersion
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, read_dir
from tests.support.figures import add_to_figure

from .tenancy import Probe

pytestmark = [pytest.mark.abuse, pytest.mark.django_db]
SUITE = "malformed input"
TERMS = read_dir(SAMPLE_SUITES / "legal_terms")
YAML_NAME, DATA_NAME = "legal_terms.yaml", "legal_terms.jsonl"
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
UPLOAD_FIELDS = {"files", "name", "domain", "description", "non_field_errors"}


# --- Clients: an editor of one organisation, through the API and through the browser ----------


@pytest.fixture
def organization():
    return f.OrganizationFactory(slug="acme")


@pytest.fixture
def api(organization) -> APIClient:
    member = f.MembershipFactory(organization=organization, role=Role.EDITOR)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=member.user, name='t').key}")
    return client


@pytest.fixture
def web(organization) -> Client:
    member = f.MembershipFactory(organization=organization, role=Role.EDITOR)
    member.user.save()  # the factory sets the password after saving; the session must match
    client = Client(raise_request_exception=False)
    client.force_login(member.user)
    return client


class Tally:
    """Inputs tried and 5xx answers, for the figures (the assertions then insist on none)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.probe = Probe()

    def send(self, client: Client, url: str, data: Any, **extra: Any) -> Any:
        response, _ = self.probe.send(client, "post", url, data, **extra)
        assert not self.probe.header_problems, self.probe.header_problems
        add_to_figure(SUITE, "inputs tried")
        add_to_figure(SUITE, f"inputs tried: {self.channel}")
        add_to_figure(SUITE, "5xx answers", int(response.status_code >= 500))
        assert response.status_code < 500, (url, data, response.content[:500])
        return response


# --- What malformed uploads are made of --------------------------------------------------------

HOSTILE_NAMES = [
    "../escape.yaml",
    "../../etc/passwd",
    "/etc/cron.d/job.yaml",
    "C:/Windows/task.yaml",
    "..\\..\\outside.jsonl",
    "a/./b.yaml",
    "a//b.jsonl",
    "deep/" * 12 + "task.yaml",
    "x" * 240 + ".yaml",
    "café.yaml",
    "space name.jsonl",
    "semi;colon.yaml",
    ".yaml",
    "suite.exe",
    "suite.py",
    "README.md",
    "__MACOSX/._legal_terms.yaml",
]
file_names = st.one_of(
    st.sampled_from([YAML_NAME, DATA_NAME, *HOSTILE_NAMES]),
    st.text(min_size=1, max_size=40).filter(lambda name: "\x00" not in name),
)

BROKEN_YAML = [
    b"task: [",
    b"task: legal\n  bad indent: : :",
    b"!!python/object/apply:os.system ['touch /tmp/pwned']",
    b"task: !function utils.process",
    b"include: /etc/passwd",
    b"a: &a [*a, *a, *a]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]",
    b"---\ntask: one\n---\ntask: two\n",
    b"\t\ttask:\tlegal",
    b"task: legal\ndoc_to_text: '{{ ''.__class__.__mro__[1].__subclasses__() }}'",
    b"task: legal\nclass: lm_eval.api.task.ConfigurableTask",
    b"task: legal\ndataset_path: text\ndataset_kwargs: {data_files: /etc/passwd}",
    b"task: " + b"x" * 300_000,  # over the YAML size limit
]
ENCODINGS = ["utf-16", "utf-32", "latin-1", "utf-8-sig", "cp1252"]
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
task_mappings = st.dictionaries(
    st.sampled_from(
        ["task", "dataset_path", "dataset_kwargs", "test_split", "output_type", "doc_to_text",
         "doc_to_target", "doc_to_choice", "metric_list", "num_fewshot", "generation_kwargs",
         "metadata", "group", "tag"]
    ),
    json_values,
    max_size=8,
)  # fmt: skip


@st.composite
def yaml_contents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "broken", "wrong types", "re-encoded", "edited"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "broken":
        return draw(st.sampled_from(BROKEN_YAML))
    if kind == "wrong types":
        return yaml.safe_dump(draw(task_mappings)).encode()
    sample = TERMS[YAML_NAME].decode()
    if kind == "re-encoded":
        return sample.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    config = yaml.safe_load(sample)
    config[draw(st.sampled_from(sorted(config)))] = draw(json_values)
    return yaml.safe_dump(config).encode()


@st.composite
def data_contents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "rows", "huge line", "re-encoded"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "rows":
        rows = draw(st.lists(st.dictionaries(st.text(max_size=10), json_values), max_size=4))
        return "".join(json.dumps(row) + "\n" for row in rows).encode()
    if kind == "huge line":
        return json.dumps({"question": "q" * 300_000, "choices": ["a"], "answer": 0}).encode()
    return TERMS[DATA_NAME].decode().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


loose_files = st.dictionaries(
    file_names, st.one_of(yaml_contents(), data_contents()), min_size=1, max_size=4
).map(lambda files: {**TERMS, **files} if len(files) < 3 else files)


def _zip(members: dict[str, bytes], **options: Any) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, **options) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tgz(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info in members:
            content = (data or {}).get(info.name)
            if content is not None:
                info.size = len(content)
            archive.addfile(info, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@functools.cache
def crafted_archives() -> dict[str, tuple[str, bytes]]:
    """Hostile archives that stay within the upload limits as uploaded (compressed)."""
    zeros = b"\0" * (60 * 1024 * 1024)  # 60 MB of zeros: ~60 KB once compressed
    return {
        "zip bomb": ("bomb.zip", _zip({**TERMS, "bomb.jsonl": zeros})),
        "gzip bomb": (
            "bomb.tar.gz",
            _tgz([tarfile.TarInfo("bomb.jsonl")], {"bomb.jsonl": zeros}),
        ),
        "zip of zips": ("nested.zip", _zip({"inner.zip": _zip(TERMS)})),
        "symlink": (
            "link.tar.gz",
            _tgz(
                [_link(DATA_NAME, "/etc/passwd", tarfile.SYMTYPE), tarfile.TarInfo(YAML_NAME)],
                {YAML_NAME: TERMS[YAML_NAME]},
            ),
        ),
        "hard link": (
            "hard.tar.gz",
            _tgz(
                [tarfile.TarInfo(YAML_NAME), _link(DATA_NAME, "/etc/shadow", tarfile.LNKTYPE)],
                {YAML_NAME: TERMS[YAML_NAME]},
            ),
        ),
        "device": ("dev.tar.gz", _tgz([_link("null", "", tarfile.CHRTYPE)])),
        "many entries": ("many.zip", _zip({f"f{i}.jsonl": b"{}\n" for i in range(1_100)})),
        "not an archive": ("suite.zip", b"PK\x03\x04 this is no zip"),
        "truncated": ("suite.tar.gz", _tgz([tarfile.TarInfo(YAML_NAME)], TERMS)[:200]),
    }


@st.composite
def archives(draw: st.DrawFn) -> tuple[str, bytes]:
    """An archive of hypothesis-made members, or one of the crafted hostile archives."""
    if draw(st.booleans()):
        return crafted_archives()[draw(st.sampled_from(sorted(crafted_archives())))]
    members = draw(st.dictionaries(file_names, st.one_of(yaml_contents(), data_contents()),
                                   min_size=1, max_size=4))  # fmt: skip
    if draw(st.booleans()):
        return "suite.zip", _zip({**TERMS, **members})
    return "suite.tgz", _tgz([tarfile.TarInfo(name) for name in members], members)


suite_names = st.one_of(
    st.just("Legal terms"),
    st.text(max_size=300).filter(lambda name: "\x00" not in name),
)


BOUNDARY = "procure-abuse-boundary-7f3a"


def multipart(fields: dict[str, str], file_field: str, files: dict[str, bytes]) -> dict[str, Any]:
    """A multipart body written by hand, so file names travel exactly as given (Django's test
    client, like browsers, would keep only their last part): what `curl -F` can send."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts += [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + data
        + b"\r\n"
        for filename, data in files.items()
    ]
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return {"data": body, "content_type": f"multipart/form-data; boundary={BOUNDARY}"}


# --- Suites: the upload API ----------------------------------------------------------------------


def field_of(place: str) -> str:
    """The field a place is about: "files[1]" → "files", "suites[0].weight" → "suites"."""
    return place.split(".")[0].split("[")[0]


def assert_field_errors(response: Any, fields: set[str]) -> None:
    """201/200 for an acceptable upload; otherwise a 400 naming known fields with messages."""
    if response.status_code in (200, 201):
        return
    assert response.status_code == 400, (response.status_code, response.content[:300])
    errors = response.json()["errors"]
    assert errors and {field_of(place) for place in errors} <= fields, errors
    assert all(messages and all(str(m).strip() for m in messages) for messages in errors.values())
    if "problems" in response.json():
        assert all(problem["message"] for problem in response.json()["problems"])


@FUZZ
@given(files=loose_files, name=suite_names)
def test_malformed_loose_files_through_the_api_are_400s_naming_the_field(api, files, name):
    response = Tally("suite upload API").send(
        api, "/api/v1/organizations/acme/suites/", **multipart({"name": name}, "files", files)
    )

    assert_field_errors(response, UPLOAD_FIELDS)


@FUZZ
@given(archive=archives())
def test_malformed_archives_through_the_api_are_400s_naming_the_file(api, archive):
    filename, data = archive

    response = Tally("suite upload API").send(
        api,
        "/api/v1/organizations/acme/suites/",
        **multipart({"name": "Legal"}, "files", {filename: data}),
    )

    assert_field_errors(response, UPLOAD_FIELDS)


@pytest.mark.parametrize("kind", sorted(crafted_archives()))
def test_each_crafted_archive_is_refused_and_nothing_is_stored(api, kind):
    filename, data = crafted_archives()[kind]

    response = Tally("suite upload API").send(
        api,
        "/api/v1/organizations/acme/suites/",
        **multipart({"name": "Legal"}, "files", {filename: data}),
    )

    assert response.status_code == 400
    problems = response.json()["problems"]
    assert problems and all(problem["message"] for problem in problems)
    assert not SuiteVersion.objects.exists()


# --- Suites: the upload form ---------------------------------------------------------------------


def assert_form_shows_errors(response: Any) -> None:
    """A redirect for an acceptable upload; otherwise the form again with what is wrong."""
    if response.status_code == 302:
        return
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    form, refused = response.context["form"], response.context.get("refused")
    assert form.errors or refused, "the form came back without saying what is wrong"
    if refused:
        assert "The suite was refused" in body
        assert all(escape(problem.message) in body for problem in refused.problems[:20])
    for field in form.errors:
        if field != "__all__":
            assert f'id="id_{field}_error"' in body, f"no error beside {field}"


@FUZZ
@given(files=st.one_of(loose_files, archives().map(lambda a: {a[0]: a[1]})), name=suite_names)
def test_malformed_uploads_through_the_form_come_back_with_the_errors(web, files, name):
    response = Tally("suite upload form").send(
        web, "/o/acme/suites/upload/", **multipart({"name": name}, "upload", files)
    )

    assert_form_shows_errors(response)


def test_an_upload_django_cannot_parse_comes_back_with_the_form_and_the_reason(web):
    # Found by the test above: a file name so long that its part's headers exceed Django's
    # limit is refused by Django's parser before the view reads the form.
    response = web.post(
        "/o/acme/suites/upload/", **multipart({"name": "x"}, "upload", {"a" * 20_000: b"{}"})
    )

    assert response.status_code == 200
    assert_form_shows_errors(response)
    assert "The upload could not be read" in response.content.decode()


# --- Profiles: the API and the form --------------------------------------------------------------

profile_values = st.one_of(
    json_values,
    st.sampled_from([10**30, -(10**30), 1e308, -1, 0, "", "NaN", "Infinity", "1e309", "٣"]),
)
profile_bodies = st.fixed_dictionaries(
    {},
    optional={
        **{field: profile_values for field in PROFILE_FIELDS},
        "suites": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {}, optional={"suite": profile_values, "weight": profile_values}
                ),
                max_size=3,
            ),
        ),
        "colour": profile_values,
    },
)
PROFILE_PLACES = {*PROFILE_FIELDS, "suites", "colour", "non_field_errors"}


@FUZZ
@given(body=profile_bodies)
def test_malformed_profiles_through_the_api_are_400s_naming_the_field(api, body):
    response = Tally("profile API").send(
        api, "/api/v1/organizations/acme/profiles/", body, format="json"
    )

    if response.status_code == 201:
        return
    assert response.status_code == 400, (body, response.content[:300])
    errors = response.json()["errors"]
    assert errors and all(messages for messages in errors.values())
    # Each place is a field or a path into one: "suites[0].weight", "sovereignty_preferences.x".
    assert {field_of(place) for place in errors} <= PROFILE_PLACES, errors


form_values = st.one_of(
    st.text(max_size=30).filter(lambda text: "\x00" not in text),
    st.sampled_from(["-5", "0", "1e309", "NaN", "inf", "9" * 40, "12,5", "on", "", "٣٤"]),
)
FORM_FIELDS = [
    "name", "domain", "description", "monthly_requests", "input_tokens", "output_tokens",
    "peak_rps", "latency_target_ms", "quality_bar", "monthly_budget", "allowed_regions",
    "other_licences", "other_jurisdictions", "prefer_self_hosting", "prefer_regions",
    "preferred_regions", "weight_fit", "weight_cost", "weight_sovereignty",
    "suites-0-suite", "suites-0-include", "suites-0-weight",
]  # fmt: skip
profile_forms = st.fixed_dictionaries(
    {
        "suites-TOTAL_FORMS": st.sampled_from(["0", "1", "", "-1", "abc", "100000"]),
        "suites-INITIAL_FORMS": st.sampled_from(["0", "1", "", "x"]),
    },
    optional={field: form_values for field in FORM_FIELDS},
)


@FUZZ
@given(data=profile_forms)
def test_malformed_profile_forms_come_back_with_the_error_beside_the_field(web, data):
    response = Tally("profile form").send(web, "/o/acme/profiles/new/", data)

    if response.status_code == 302:
        return
    assert response.status_code == 200
    body = response.content.decode()
    form, formset = response.context["form"], response.context["formset"]
    assert form.errors or formset.total_error_count()
    assert "Nothing was saved yet" in body
    for field in form.errors:
        if field != "__all__":
            assert f'id="id_{field}_error"' in body, f"no error beside {field}"
