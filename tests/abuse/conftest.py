from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from procure.accounts.models import Organization
from procure.runs.models import EvaluationRun

from .tenancy import Tenant, tenant


@pytest.fixture(scope="module")
def tenants(django_db_setup: None, django_db_blocker) -> Iterator[tuple[Tenant, Tenant]]:  # type: ignore[no-untyped-def]
    """Organisations "alpha" and "bravo", built once per module (a report each takes a second)
    and committed; every test still runs in its own rolled-back transaction on top."""
    with django_db_blocker.unblock():
        built = tenant("alpha"), tenant("bravo")
        try:
            yield built
        finally:
            slugs = ["alpha", "bravo"]
            # Runs protect the suite versions they evaluated: they go first.
            EvaluationRun.objects.filter(organization__slug__in=slugs).delete()
            Organization.objects.filter(slug__in=slugs).delete()
            User.objects.filter(username__regex=r"^(alpha|bravo)-").delete()
