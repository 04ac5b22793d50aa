"""Organisations, members and a profile a campaign can be planned for (no worker needed:
planning and launching run in the test's transaction; queueing happens only on commit)."""

from dataclasses import dataclass

import pytest

from procure.accounts.models import Organization
from procure.catalog.models import CandidateModel
from procure.profiles.models import TaskProfile
from tests import factories as f

# The web and API tests' fixtures, for the pages and endpoints of schedules.
from tests.procure.api.conftest import admin_api, api, api_for, viewer_api  # noqa: F401
from tests.procure.web.conftest import (  # noqa: F401
    admin,
    client_for,
    editor,
    org,
    other_org,
    viewer,
)

TASKS = [{"name": "legal_terms", "output_type": "multiple_choice", "n_docs": 20,
          "primary_metric": "acc"}]  # fmt: skip


@dataclass
class Plannable:
    organization: Organization
    profile: TaskProfile
    candidates: list[CandidateModel]


def plannable(organization: Organization) -> Plannable:
    """A profile with one uploaded suite version and two candidates with evaluation access."""
    profile = f.ProfileFactory(organization=organization, name="Contract review")
    suite = f.SuiteFactory(organization=organization, name="Legal terms")
    f.SuiteVersionFactory(suite=suite, tasks=TASKS)
    f.ProfileSuiteFactory(profile=profile, suite=suite)
    candidates = []
    for name in ("Legal model", "General model"):
        candidate = f.CandidateFactory(organization=organization, name=name)
        f.EvaluationAccessFactory(candidate=candidate, identity=f"/models/{name}")
        candidates.append(candidate)
    return Plannable(organization, profile, candidates)


@pytest.fixture
def planned(org: Organization) -> Plannable:  # noqa: F811  (the imported fixture)
    return plannable(org)
