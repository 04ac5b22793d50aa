"""The organisation's audit log, read-only, for admins."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import Role
from procure.audit.models import Action, AuditEvent
from procure.audit.selectors import audit_event_list

from .permissions import OrganizationApi

TAGS = ["audit"]


class AuditEventOutputSerializer(serializers.ModelSerializer[AuditEvent]):
    changes = serializers.JSONField(
        help_text='Changed fields as {"field": {"old": …, "new": …}}, and facts of the action.'
    )

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "ip_address",
        )


class AuditEventFilter(filters.FilterSet):
    action = filters.ChoiceFilter(choices=Action.choices)
    object_type = filters.CharFilter()
    actor = filters.CharFilter(lookup_expr="icontains", help_text="Part of the actor's name.")
    since = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    until = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ("action", "object_type", "actor", "since", "until")


class AuditEventListApi(OrganizationApi):
    """Who launched, changed or deleted what, newest first. Secrets appear only as set or
    cleared, never with their value."""

    required_role = Role.ADMIN
    queryset = AuditEvent.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_event_list(organization=self.organization)

    @extend_schema(tags=TAGS, responses=AuditEventOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), AuditEventOutputSerializer)
