"""The audit log: who launched, changed or deleted what, from where; shown to admins only."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from procure.accounts.models import Role
from procure.accounts.services import token_create
from procure.audit.models import Action, AuditEvent
from procure.core.validation import ImportProblem
from procure.profiles.services import profile_save
from tests import factories as f
from tests.support.evalkit import (
    SAMPLE_SUITES,
    hf_candidate,
    profile_with,
    tiny_checkpoint,
    upload_dir,
)
from tests.support.figures import add_to_figure

pytestmark = [pytest.mark.abuse, pytest.mark.django_db]
SUITE = "audit log"
KEY = "sk-audit-NEVER-SHOWN-51f0"


@pytest.fixture
def org():
    return f.OrganizationFactory(name="Acme Legal", slug="acme")


def member(org, role: str, username: str):
    membership = f.MembershipFactory(organization=org, role=role, user__username=username)
    membership.user.save()
    return membership.user


def api_as(user, label: str = "ci") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name=label).key}")
    return client


def web_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def only(action: str) -> AuditEvent:
    (event,) = AuditEvent.objects.filter(action=action)
    add_to_figure(SUITE, "events checked")
    return event


def test_launching_a_campaign_records_the_user_the_token_and_the_address(org):
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    model = hf_candidate(org, "Local", tiny_checkpoint())
    profile = profile_with(org, "Contracts", [version])
    editor = member(org, Role.EDITOR, "erin")

    response = api_as(editor).post(
        "/api/v1/organizations/acme/campaigns/",
        {"profile": profile.pk, "candidates": [model.pk]},
        format="json",
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 201, response.content
    event = only(Action.CAMPAIGN_LAUNCHED)
    assert event.organization == org and event.actor_user == editor
    assert event.actor == "erin (API token “ci”)"
    assert event.ip_address == "203.0.113.9"
    assert event.object_type == "campaign" and event.object_id == response.json()["id"]
    assert event.changes == {"candidates": ["Local"], "runs_queued": 1, "runs_reused": 0}
    # The upload done by the fixture, outside any request, is the system's.
    assert only(Action.SUITE_UPLOADED).actor == "system"


def test_changing_a_profile_in_the_form_records_only_what_changed(org):
    profile = f.ProfileFactory(
        organization=org, name="Contracts", peak_rps=1.0,
        weight_fit=50, weight_cost=30, weight_sovereignty=20,
    )  # fmt: skip
    editor = member(org, Role.EDITOR, "erin")
    form = web_as(editor).get(f"/o/acme/profiles/{profile.pk}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data.update({"peak_rps": "4", "suites-TOTAL_FORMS": "0", "suites-INITIAL_FORMS": "0"})

    response = web_as(editor).post(f"/o/acme/profiles/{profile.pk}/edit/", data)

    assert response.status_code == 302, response.context["form"].errors
    event = only(Action.PROFILE_CHANGED)
    assert event.actor == "erin" and event.object_repr == "Contracts"
    assert event.changes == {"peak_rps": {"old": 1.0, "new": 4.0}}


def test_a_refused_change_leaves_no_event(org):
    profile = f.ProfileFactory(organization=org)

    with pytest.raises(ImportProblem):
        profile_save(organization=org, profile_id=profile.pk, data={"peak_rps": -3})

    assert not AuditEvent.objects.exists()


def test_deleting_a_candidate_records_what_it_was(org):
    candidate = f.CandidateFactory(organization=org, name="Old model")
    editor = member(org, Role.EDITOR, "erin")

    response = api_as(editor).delete(f"/api/v1/organizations/acme/candidates/{candidate.pk}/")

    assert response.status_code == 204
    event = only(Action.CANDIDATE_DELETED)
    assert (event.object_id, event.object_repr) == (candidate.pk, "Old model")


def test_setting_a_secret_is_recorded_without_its_value(org):
    candidate = f.CandidateFactory(organization=org, name="Hosted")
    admin = member(org, Role.ADMIN, "ada")

    response = api_as(admin).put(
        f"/api/v1/organizations/acme/candidates/{candidate.pk}/evaluation-access/",
        {
            "backend": "local-completions",
            "identity": "hosted-model",
            "options": {"base_url": "https://vendor.example/v1/completions", "tokenizer": "gpt2"},
            "secret": KEY,
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert only(Action.SECRET_SET).actor.startswith("ada")
    assert only(Action.ACCESS_CHANGED).changes["backend"] == {
        "old": None,
        "new": "local-completions",
    }
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert KEY not in stored and "sk-audit" not in stored


def test_changing_a_members_role_records_old_and_new(org):
    admin = member(org, Role.ADMIN, "ada")
    viewer = member(org, Role.VIEWER, "vic")
    membership = viewer.memberships.get()

    web_as(admin).post(f"/o/acme/members/{membership.pk}/role/", {"role": Role.EDITOR})

    event = only(Action.MEMBER_ROLE_CHANGED)
    assert event.actor == "ada" and event.object_repr == "vic"
    assert event.changes == {"role": {"old": "viewer", "new": "editor"}}


def test_admins_read_the_log_with_filters_and_never_another_organisations_events(org):
    admin = member(org, Role.ADMIN, "ada")
    f.AuditEventFactory(organization=org, actor="erin", action=Action.CAMPAIGN_LAUNCHED,
                        object_repr="Campaign #7 for Contracts")  # fmt: skip
    f.AuditEventFactory(organization=org, actor="bob", action=Action.PROFILE_DELETED,
                        object_repr="Old profile")  # fmt: skip
    f.AuditEventFactory(action=Action.CAMPAIGN_LAUNCHED, object_repr="Their secret campaign")

    page = web_as(admin).get("/o/acme/audit/").content.decode()
    filtered = web_as(admin).get("/o/acme/audit/?action=campaign.launched").content.decode()
    api = api_as(admin).get("/api/v1/organizations/acme/audit/?actor=bo").json()
    bad_date = web_as(admin).get("/o/acme/audit/?since=yesterday")

    assert "Campaign #7 for Contracts" in page and "Old profile" in page
    assert "Their secret campaign" not in page
    assert "Campaign #7" in filtered and "Old profile" not in filtered
    assert [event["object_repr"] for event in api["results"]] == ["Old profile"]
    assert bad_date.status_code == 200 and "Enter a valid date." in bad_date.content.decode()
    add_to_figure(SUITE, "another organisation's events shown", 0)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_viewers_and_editors_cannot_see_the_log(org, role):
    user = member(org, role, "someone")
    f.AuditEventFactory(organization=org, object_repr="Sensitive change")

    page = web_as(user).get("/o/acme/audit/")
    api = api_as(user).get("/api/v1/organizations/acme/audit/")

    assert page.status_code == 403 and "Sensitive change" not in page.content.decode()
    assert api.status_code == 403
    assert "Audit log" not in web_as(user).get("/o/acme/").content.decode()


def test_the_django_admin_shows_the_log_read_only(org):
    staff = f.UserFactory(is_staff=True, is_superuser=True)
    staff.save()
    event = f.AuditEventFactory(organization=org)
    client = web_as(staff)

    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    change = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"actor": "mallory"})
    event.refresh_from_db()
    assert change.status_code == 403 and event.actor == "alice"
