import pytest
from django.core.management import call_command

from procure.accounts.models import Membership, Organization
from procure.catalog.models import CandidateModel
from procure.profiles.models import TaskProfile

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_organisation_users_catalog_and_profiles():
    call_command("demo_setup")

    organization = Organization.objects.get(name="Demo Buyer Ltd")
    roles = dict(
        Membership.objects.filter(organization=organization).values_list("user__username", "role")
    )
    assert roles == {"demo": "admin", "viewer": "viewer"}
    assert CandidateModel.objects.filter(organization=organization).count() >= 10
    assert TaskProfile.objects.filter(organization=organization, domain="legal").exists()
    assert TaskProfile.objects.filter(organization=organization, domain="code").exists()


def test_running_it_twice_changes_nothing():
    call_command("demo_setup")
    counts = (
        CandidateModel.objects.count(),
        TaskProfile.objects.count(),
        Membership.objects.count(),
    )

    call_command("demo_setup")

    assert (
        CandidateModel.objects.count(),
        TaskProfile.objects.count(),
        Membership.objects.count(),
    ) == counts
