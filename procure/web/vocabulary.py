"""Words the forms offer as choices: region codes, and what an organisation's catalog uses."""

from dataclasses import dataclass

from django.db.models import QuerySet

from procure.accounts.models import Organization
from procure.catalog.models import CandidateModel, DeploymentOption

# The region codes of fixtures/catalog/README.md, with what each promises.
REGIONS = (
    ("eu", "EU / EEA", "processed only in EU or EEA member states"),
    ("uk", "United Kingdom", "processed only in the United Kingdom"),
    ("ch", "Switzerland", "processed only in Switzerland"),
    ("us", "United States", "processed only in the United States"),
    ("cn", "China", "processed only in the People's Republic of China"),
    ("global", "Anywhere", "the provider may process data in any country"),
)
REGION_CODES = tuple(code for code, _, _ in REGIONS)
REGION_NAMES = {code: name for code, name, _ in REGIONS}


@dataclass(frozen=True)
class CatalogVocabulary:
    """The values in use in an organisation's catalog, for filters and profile rules."""

    specialisations: list[str]
    licences: list[str]
    jurisdictions: list[str]
    regions: list[str]


def catalog_vocabulary(*, organization: Organization) -> CatalogVocabulary:
    candidates = CandidateModel.objects.filter(organization=organization)
    option_regions = DeploymentOption.objects.filter(
        candidate__organization=organization
    ).values_list("regions", flat=True)
    in_use = {region for regions in option_regions for region in regions}
    return CatalogVocabulary(
        specialisations=_distinct(candidates, "specialisation"),
        licences=_distinct(candidates, "licence"),
        jurisdictions=_distinct(candidates, "vendor_jurisdiction"),
        regions=[*REGION_CODES, *sorted(in_use - set(REGION_CODES))],
    )


def _distinct(candidates: QuerySet[CandidateModel], field: str) -> list[str]:
    return list(candidates.order_by(field).values_list(field, flat=True).distinct())


def region_choices(codes: list[str] | tuple[str, ...] = REGION_CODES) -> list[tuple[str, str]]:
    return [(code, REGION_NAMES.get(code, code)) for code in codes]
