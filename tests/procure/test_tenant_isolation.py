"""Organisation A can neither read nor change organisation B's rows through any selector.

The test discovers every selector function, so a selector added later is covered by default.
"""

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model, QuerySet
from django.utils import timezone

import procure
from procure.catalog.services import candidate_update
from procure.profiles.services import profile_save
from procure.runs.models import RunStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def all_selectors() -> list[Callable[..., Any]]:
    found: list[Callable[..., Any]] = []
    for module_info in pkgutil.walk_packages(procure.__path__, "procure."):
        if not module_info.name.endswith(".selectors"):
            continue
        module = importlib.import_module(module_info.name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            own = func.__module__ == module.__name__ and not name.startswith("_")
            if own and "organization" in inspect.signature(func).parameters:
                found.append(func)
    return found


def organization_of(obj: Model) -> Any:
    paths = (
        "organization",
        "suite.organization",
        "candidate.organization",
        "run.organization",
        "schedule.organization",
    )
    for path in paths:
        target: Any = obj
        try:
            for attr in path.split("."):
                target = getattr(target, attr)
        except AttributeError:
            continue
        return target
    raise AssertionError(f"cannot tell which organisation owns {obj!r}")


def tenant_rows(organization) -> dict[str, Model]:
    """One of everything for one organisation, keyed by the id parameter names selectors use."""
    candidate = f.CandidateFactory(organization=organization)
    option = f.ApiOptionFactory(candidate=candidate)
    f.EvaluationAccessFactory(candidate=candidate)
    suite = f.SuiteFactory(organization=organization)
    version = f.SuiteVersionFactory(suite=suite)
    profile = f.ProfileFactory(organization=organization)
    f.ProfileSuiteFactory(profile=profile, suite=suite)
    campaign = f.CampaignFactory(organization=organization, profile=profile)
    run = f.RunFactory(
        organization=organization,
        candidate=candidate,
        suite_version=version,
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        latency_p95_ms=120.0,  # an endpoint run with measured serving figures
    )
    campaign.runs.add(run)
    f.MetricResultFactory(run=run)
    f.SampleResultFactory(run=run)
    report = f.ReportFactory(organization=organization, profile=profile, campaign=campaign)
    member = f.MembershipFactory(organization=organization).user
    schedule = f.ScheduleFactory(organization=organization, profile=profile)
    f.FiringFactory(schedule=schedule, campaign=campaign)
    alert = f.AlertFactory(organization=organization, profile=profile, report=report)
    f.NotificationFactory(alert=alert, user=member)
    f.AuditEventFactory(organization=organization)
    return {
        "user": member,
        "candidate_id": candidate,
        "option_id": option,
        "suite_id": suite,
        "version_id": version,
        "profile_id": profile,
        "campaign_id": campaign,
        "run_id": run,
        "report_id": report,
    }


def param_value(name: str, rows: dict[str, Model]) -> Any:
    return rows[name] if name == "user" else rows[name].pk


def test_the_selector_list_is_not_empty():
    names = {func.__name__ for func in all_selectors()}
    assert {"candidate_list", "profile_get", "run_list", "report_get"} <= names


@pytest.mark.parametrize("selector", all_selectors(), ids=lambda func: func.__qualname__)
def test_a_selector_never_returns_another_organisations_rows(selector):
    org_a, org_b = f.OrganizationFactory(), f.OrganizationFactory()
    rows_a, rows_b = tenant_rows(org_a), tenant_rows(org_b)
    params = [
        p for p in inspect.signature(selector).parameters.values() if p.name != "organization"
    ]
    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    optional_ids = [p.name for p in params if p.name.endswith("_id") and p.name not in required]

    # Asking org A's selector for org B's object, by its id, finds nothing.
    if required:
        try:
            theirs = selector(
                organization=org_a, **{name: param_value(name, rows_b) for name in required}
            )
        except Exception as exc:
            assert type(exc).__name__ == "DoesNotExist"
        else:
            # A selector of "the latest such row, if any" answers None for another's id.
            assert theirs is None or (isinstance(theirs, QuerySet) and not theirs.exists()), theirs
        own = selector(organization=org_a, **{name: param_value(name, rows_a) for name in required})
        results = list(own) if isinstance(own, QuerySet) else [own] if own is not None else []
    else:
        results = list(selector(organization=org_a))
        for name in optional_ids:
            assert list(selector(organization=org_a, **{name: rows_b[name].pk})) == []

    assert results, f"{selector.__name__} found nothing even for its own organisation"
    assert all(organization_of(row) == org_a for row in results)


def test_a_service_cannot_change_another_organisations_candidate():
    org_a, org_b = f.OrganizationFactory(), f.OrganizationFactory()
    theirs = f.CandidateFactory(organization=org_b, name="Theirs")

    with pytest.raises(Exception) as excinfo:
        candidate_update(organization=org_a, candidate_id=theirs.pk, name="Mine now")

    assert type(excinfo.value).__name__ == "DoesNotExist"
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_service_cannot_change_another_organisations_profile():
    org_a, org_b = f.OrganizationFactory(), f.OrganizationFactory()
    theirs = f.ProfileFactory(organization=org_b, name="Theirs")

    with pytest.raises(Exception) as excinfo:
        profile_save(organization=org_a, profile_id=theirs.pk, data={"name": "Mine now"})

    assert type(excinfo.value).__name__ == "DoesNotExist"
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_profile_cannot_use_another_organisations_suite():
    org_a, org_b = f.OrganizationFactory(), f.OrganizationFactory()
    f.SuiteFactory(organization=org_b, name="Their suite")

    with pytest.raises(Exception) as excinfo:
        profile_save(
            organization=org_a,
            data={"name": "P", "domain": "legal", "suites": [{"suite": "Their suite"}]},
        )

    assert "no suite 'Their suite' in this organisation" in str(excinfo.value)
