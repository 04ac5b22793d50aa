"""Reads of the catalog. Every selector is scoped to one organisation."""

from django.db.models import Prefetch, QuerySet

from procure.accounts.models import Organization

from .models import CandidateModel, DeploymentOption, EvaluationAccess


def candidate_list(
    *,
    organization: Organization,
    specialisation: str | None = None,
    open_weights: bool | None = None,
    region: str | None = None,
    licence: str | None = None,
) -> QuerySet[CandidateModel]:
    qs = CandidateModel.objects.filter(organization=organization)
    if specialisation:
        qs = qs.filter(specialisation=specialisation)
    if open_weights is not None:
        qs = qs.filter(open_weights=open_weights)
    if licence:
        qs = qs.filter(licence__iexact=licence)
    if region:
        qs = qs.filter(deployment_options__regions__contains=[region]).distinct()
    return qs.select_related("evaluation_access").prefetch_related(
        Prefetch("deployment_options", queryset=DeploymentOption.objects.order_by("kind", "name"))
    )


def candidate_get(*, organization: Organization, candidate_id: int) -> CandidateModel:
    """CandidateModel.DoesNotExist when the id belongs to no candidate of this organisation."""
    return candidate_list(organization=organization).get(pk=candidate_id)


def deployment_option_list(
    *, organization: Organization, candidate_id: int | None = None
) -> QuerySet[DeploymentOption]:
    qs = DeploymentOption.objects.filter(candidate__organization=organization)
    if candidate_id is not None:
        qs = qs.filter(candidate_id=candidate_id)
    return qs.select_related("candidate")


def deployment_option_get(*, organization: Organization, option_id: int) -> DeploymentOption:
    return deployment_option_list(organization=organization).get(pk=option_id)


def evaluation_access_get(*, organization: Organization, candidate_id: int) -> EvaluationAccess:
    return EvaluationAccess.objects.select_related("candidate").get(
        candidate__organization=organization, candidate_id=candidate_id
    )
