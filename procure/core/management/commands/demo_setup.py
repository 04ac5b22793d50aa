"""Create the demo organisation and users, then load the seed catalog and sample profiles."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from procure.accounts.models import Role
from procure.accounts.services import member_add, organization_get_or_create

DEMO_ORGANIZATION = "Demo Buyer Ltd"
# Local demo only: printed by `make demo`, documented in the README.
DEMO_USERS = [
    ("demo", "demo-password-1", Role.ADMIN, True),
    ("viewer", "viewer-password-1", Role.VIEWER, False),
]


class Command(BaseCommand):
    help = "Set up the local demo: organisation, users, seed catalog and sample profiles."

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_get_or_create(name=DEMO_ORGANIZATION)
        for username, password, role, staff in DEMO_USERS:
            user = member_add(
                organization=organization, username=username, role=role, password=password
            )
            if staff and not user.is_superuser:
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
        call_command("load_seed", organization=DEMO_ORGANIZATION, stdout=self.stdout)
        self.stdout.write(f"demo organisation {organization.name!r} ready")
