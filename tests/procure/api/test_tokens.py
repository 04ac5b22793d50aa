import pytest
from rest_framework.test import APIClient

from procure.accounts.models import ApiToken
from procure.accounts.services import token_create, token_hash
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    user = f.MembershipFactory().user
    user.refresh_from_db()  # the stored password, which a login's session is checked against
    return user


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_stored_only_as_its_hash(user):
    new = token_create(user=user, name="CI")

    stored = ApiToken.objects.get(pk=new.token.pk)
    assert stored.key_hash == token_hash(new.key)
    assert new.key not in {stored.key_hash, stored.prefix, stored.name}
    assert new.key.startswith(stored.prefix) and new.key.startswith("prc_")


def test_a_token_authenticates_and_records_its_use(user):
    new = token_create(user=user, name="CI")

    response = with_token(new.key).get("/api/v1/organizations/")

    assert response.status_code == 200
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at is not None


def test_a_revoked_token_is_refused_at_once(user):
    new = token_create(user=user, name="CI")
    client = with_token(new.key)

    assert client.delete(f"/api/v1/tokens/{new.token.pk}/").status_code == 204
    assert client.get("/api/v1/organizations/").status_code == 401


def test_a_session_creates_a_token_and_sees_the_key_once(user):
    client = APIClient()
    client.force_login(user)

    created = client.post("/api/v1/tokens/", {"name": "nightly"}, format="json")
    listed = client.get("/api/v1/tokens/").json()

    assert created.status_code == 201
    key = created.json()["key"]
    assert with_token(key).get("/api/v1/organizations/").status_code == 200
    assert listed["results"][0]["name"] == "nightly"
    assert key not in str(listed)


def test_a_token_cannot_mint_more_tokens(user):
    response = with_token(token_create(user=user, name="CI").key).post(
        "/api/v1/tokens/", {"name": "more"}, format="json"
    )

    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_user_lists_and_revokes_only_their_own_tokens(user):
    own = token_create(user=user, name="mine")
    someone_elses = token_create(user=f.UserFactory(), name="theirs")
    client = with_token(own.key)

    assert [t["name"] for t in client.get("/api/v1/tokens/").json()["results"]] == ["mine"]
    assert client.delete(f"/api/v1/tokens/{someone_elses.token.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=someone_elses.token.pk).exists()


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": "x", "y": 1}])
def test_bad_token_names_are_field_errors(user, body):
    client = APIClient()
    client.force_login(user)

    response = client.post("/api/v1/tokens/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]


def test_an_inactive_users_token_is_refused(user):
    key = token_create(user=user, name="CI").key
    user.is_active = False
    user.save()

    assert with_token(key).get("/api/v1/organizations/").status_code == 401


def test_the_tokens_page_creates_shows_once_and_revokes(client, user):
    client.force_login(user)

    page = client.post("/account/tokens/", {"name": "laptop"})
    token = ApiToken.objects.get(user=user)
    again = client.get("/account/tokens/")
    revoked = client.post(f"/account/tokens/{token.pk}/revoke/", follow=True)

    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    key = page.context["new_key"]
    assert key in page.content.decode() and token.key_hash == token_hash(key)
    assert "laptop" in again.content.decode() and key not in again.content.decode()
    assert "Token revoked" in revoked.content.decode()
    assert not ApiToken.objects.exists()


def test_the_tokens_page_needs_a_login(client):
    response = client.get("/account/tokens/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_nobody_revokes_anothers_token_from_the_page(client, user):
    other = token_create(user=f.UserFactory(), name="theirs")
    client.force_login(user)

    response = client.post(f"/account/tokens/{other.token.pk}/revoke/", follow=True)

    assert "No such token" in response.content.decode()
    assert ApiToken.objects.filter(pk=other.token.pk).exists()
