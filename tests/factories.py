"""factory_boy factories for the Django models."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from procure.accounts.models import Membership, Organization, Role
from procure.audit.models import Action, AuditEvent
from procure.catalog.models import CandidateModel, DeploymentOption, EvaluationAccess
from procure.profiles.models import ProfileSuite, TaskProfile
from procure.reports.models import ReportSnapshot
from procure.runs.models import Campaign, EvaluationRun, MetricResult, SampleResult
from procure.schedules.models import Alert, Notification, Schedule, ScheduleFiring
from procure.suites.models import Suite, SuiteVersion


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.EDITOR


class CandidateFactory(factory.django.DjangoModelFactory[CandidateModel]):
    class Meta:
        model = CandidateModel

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    provider = "Acme AI"
    specialisation = "general"
    licence = "Apache-2.0"
    open_weights = True
    vendor_jurisdiction = "FR"


class ApiOptionFactory(factory.django.DjangoModelFactory[DeploymentOption]):
    class Meta:
        model = DeploymentOption

    candidate = factory.SubFactory(CandidateFactory)
    kind = "api"
    name = "Vendor API"
    provider = "Acme AI"
    regions = ["eu"]
    input_price_per_mtok = Decimal("1.00")
    output_price_per_mtok = Decimal("3.00")


class SelfHostedOptionFactory(factory.django.DjangoModelFactory[DeploymentOption]):
    class Meta:
        model = DeploymentOption

    candidate = factory.SubFactory(CandidateFactory)
    kind = "self_hosted"
    name = "1x L40S"
    hardware = "1x NVIDIA L40S 48GB"
    regions = ["eu"]
    hourly_rate = Decimal("1.90")
    throughput_rps = 3.0
    min_instances = 1
    fixed_monthly_ops = Decimal("1500")


class EvaluationAccessFactory(factory.django.DjangoModelFactory[EvaluationAccess]):
    class Meta:
        model = EvaluationAccess

    candidate = factory.SubFactory(CandidateFactory)
    backend = "hf"
    identity = "/models/tiny"
    revision = "r1"


class SuiteFactory(factory.django.DjangoModelFactory[Suite]):
    class Meta:
        model = Suite

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Suite {n}")
    domain = "legal"


class SuiteVersionFactory(factory.django.DjangoModelFactory[SuiteVersion]):
    class Meta:
        model = SuiteVersion

    suite = factory.SubFactory(SuiteFactory)
    number = factory.Sequence(lambda n: n + 1)
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    bundle = b""


class ProfileFactory(factory.django.DjangoModelFactory[TaskProfile]):
    class Meta:
        model = TaskProfile

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Profile {n}")
    domain = "legal"


class ProfileSuiteFactory(factory.django.DjangoModelFactory[ProfileSuite]):
    class Meta:
        model = ProfileSuite

    profile = factory.SubFactory(ProfileFactory)
    suite = factory.SubFactory(
        SuiteFactory, organization=factory.SelfAttribute("..profile.organization")
    )
    weight = 1.0


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    organization = factory.SubFactory(OrganizationFactory)
    profile = factory.SubFactory(
        ProfileFactory, organization=factory.SelfAttribute("..organization")
    )


class RunFactory(factory.django.DjangoModelFactory[EvaluationRun]):
    class Meta:
        model = EvaluationRun

    organization = factory.SubFactory(OrganizationFactory)
    candidate = factory.SubFactory(
        CandidateFactory, organization=factory.SelfAttribute("..organization")
    )
    suite_version = factory.SubFactory(
        SuiteVersionFactory,
        suite=factory.SubFactory(
            SuiteFactory, organization=factory.SelfAttribute("...organization")
        ),
    )
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")


class MetricResultFactory(factory.django.DjangoModelFactory[MetricResult]):
    class Meta:
        model = MetricResult

    run = factory.SubFactory(RunFactory)
    task = "legal_cloze"
    metric = "acc"
    value = 0.5
    stderr = 0.02
    n = 500


class SampleResultFactory(factory.django.DjangoModelFactory[SampleResult]):
    class Meta:
        model = SampleResult

    run = factory.SubFactory(RunFactory)
    task = "legal_cloze"
    doc_id = factory.Sequence(lambda n: n)
    metric = "acc"
    value = 1.0


class ReportFactory(factory.django.DjangoModelFactory[ReportSnapshot]):
    class Meta:
        model = ReportSnapshot

    organization = factory.SubFactory(OrganizationFactory)
    title = "Report"
    snapshot = factory.LazyFunction(dict)
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    verdict = "No verdict"


class ScheduleFactory(factory.django.DjangoModelFactory[Schedule]):
    """A schedule row only: procure.schedules.services.schedule_set also makes its beat entry."""

    class Meta:
        model = Schedule

    organization = factory.SubFactory(OrganizationFactory)
    profile = factory.SubFactory(
        ProfileFactory, organization=factory.SelfAttribute("..organization")
    )
    frequency = "weekly"
    crontab = "0 2 * * mon"


class FiringFactory(factory.django.DjangoModelFactory[ScheduleFiring]):
    class Meta:
        model = ScheduleFiring

    schedule = factory.SubFactory(ScheduleFactory)
    sent_at = factory.LazyFunction(timezone.now)
    outcome = "launched"


class AlertFactory(factory.django.DjangoModelFactory[Alert]):
    class Meta:
        model = Alert

    organization = factory.SubFactory(OrganizationFactory)
    report = factory.SubFactory(ReportFactory, organization=factory.SelfAttribute("..organization"))
    previous_report = factory.SubFactory(
        ReportFactory, organization=factory.SelfAttribute("..organization")
    )
    title = "Contract review: Recommended model: A → B"
    changes = factory.LazyFunction(
        lambda: [
            {
                "kind": "recommended",
                "subject": "Recommendation",
                "before": "A",
                "after": "B",
                "message": "Recommended model: A → B",
            }
        ]
    )


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    alert = factory.SubFactory(AlertFactory)
    organization = factory.SelfAttribute("alert.organization")
    user = factory.SubFactory(UserFactory)


class AuditEventFactory(factory.django.DjangoModelFactory[AuditEvent]):
    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    actor = "alice"
    action = Action.PROFILE_CHANGED
    object_type = "profile"
    object_id = 1
    object_repr = "Contract review"
    changes = factory.LazyFunction(lambda: {"peak_rps": {"old": 1, "new": 2}})
