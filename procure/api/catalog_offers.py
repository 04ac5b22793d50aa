"""The catalog for buying: every candidate's monthly cost and eligibility for a profile or a
workload, the same data as the catalog page."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from procure.catalog.selectors import candidate_list
from procure.decision import Workload
from procure.profiles.models import TaskProfile
from procure.profiles.selectors import profile_get
from procure.reports.buying import SORTS, catalog_offers

from .permissions import OrganizationApi

TAGS = ["candidates"]


class OffersQuerySerializer(serializers.Serializer[Any]):
    profile = serializers.IntegerField(
        required=False, min_value=1, help_text="Price for this task profile and apply its rules."
    )
    monthly_requests = serializers.IntegerField(
        required=False, min_value=1, max_value=10**12, help_text="Or a workload: requests/month."
    )
    input_tokens = serializers.IntegerField(required=False, min_value=0, max_value=10**8)
    output_tokens = serializers.IntegerField(required=False, min_value=0, max_value=10**8)
    peak_rps = serializers.FloatField(required=False, min_value=0.001, max_value=10**6)
    sort = serializers.ChoiceField(choices=SORTS, default="cost")
    eligible_only = serializers.BooleanField(default=False)
    min_context = serializers.IntegerField(required=False, min_value=1, max_value=10**9)
    specialisation = serializers.CharField(required=False, max_length=100)
    licence = serializers.CharField(required=False, max_length=100)
    region = serializers.CharField(required=False, max_length=50)
    open_weights = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        typed = [data.get(key) for key in ("monthly_requests", "input_tokens", "output_tokens")]
        if any(value is not None for value in typed) and any(value is None for value in typed):
            raise serializers.ValidationError(
                "A workload needs monthly_requests, input_tokens and output_tokens."
            )
        return data


class OfferCandidateSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    provider = serializers.CharField()
    specialisation = serializers.CharField()
    licence = serializers.CharField()
    open_weights = serializers.BooleanField()
    vendor_jurisdiction = serializers.CharField()
    context_window = serializers.IntegerField(allow_null=True)


class OfferOutputSerializer(serializers.Serializer[Any]):
    candidate = OfferCandidateSerializer()
    monthly_cost = serializers.FloatField(
        allow_null=True, help_text="In `currency`; null when it could not be converted."
    )
    currency = serializers.CharField(source="cost.currency", allow_null=True, default=None)
    cost_option = serializers.CharField(allow_null=True)
    cost_note = serializers.CharField(
        source="cost.note", default="", help_text="The exchange rate used, or why none could be."
    )
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    prices_as_of = serializers.DateField(source="price_age.as_of", allow_null=True)
    prices_stale = serializers.BooleanField(source="price_age.stale")


class CatalogOffersApi(OrganizationApi):
    # One page of every candidate (the catalog is small and a cheapest-first sort must see all):
    # no pagination, and the schema says so.
    pagination_class = None  # type: ignore[assignment]

    @extend_schema(
        tags=TAGS,
        parameters=[OffersQuerySerializer],
        responses=OfferOutputSerializer(many=True),
        description="Without a profile or a workload, every candidate is listed unpriced "
        "(monthly_cost null) and eligible (no rules to break).",
    )
    def get(self, request: Request, slug: str) -> Response:
        query = OffersQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        profile: TaskProfile | None = None
        workload = None
        if data.get("monthly_requests") is not None:
            workload = Workload(
                monthly_requests=float(data["monthly_requests"]),
                input_tokens=float(data["input_tokens"]),
                output_tokens=float(data["output_tokens"]),
                peak_rps=float(data.get("peak_rps") or 1.0),
            )
        elif data.get("profile") is not None:
            profile = profile_get(organization=self.organization, profile_id=data["profile"])
        candidates = candidate_list(
            organization=self.organization,
            specialisation=data.get("specialisation"),
            licence=data.get("licence"),
            region=data.get("region"),
            open_weights=data.get("open_weights"),
        )
        if data.get("min_context"):
            candidates = candidates.filter(context_window__gte=data["min_context"])
        offers = catalog_offers(
            organization=self.organization,
            candidates=candidates,
            profile=profile,
            workload=workload,
            on=timezone.localdate(),
            sort=data["sort"],
        )
        if data["eligible_only"]:
            offers = [offer for offer in offers if offer.eligible]
        return Response(OfferOutputSerializer(offers, many=True).data)
