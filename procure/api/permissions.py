"""Who may call what: authentication, organisation membership and role, in one place.

Every API class handles one operation (one HTTP method) and declares the role it needs.
`route()` serves several operations on one URL (`GET` lists, `POST` creates) while each keeps
its own class, serializers and role.
"""

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from procure.accounts.access import RoleTooLow, membership_required
from procure.accounts.models import Membership, Organization, Role

from .authentication import ApiTokenAuthentication
from .errors import exception_handler


class Pagination(LimitOffsetPagination):
    """`limit` and `offset` as whole numbers, refused (400) when they are not: a script asking
    for `limit=all` should learn that it gets 50, not silently get 50."""

    max_limit = 500
    # Postgres refuses an OFFSET beyond bigint; nothing lives that far anyway.
    max_offset = 10**12

    def get_limit(self, request: Request) -> int:
        return self._whole_number(request, self.limit_query_param, self.default_limit or 0)

    def get_offset(self, request: Request) -> int:
        return self._whole_number(request, self.offset_query_param, 0)

    def _whole_number(self, request: Request, name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        low, high = self.bounds[name]
        if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
            raise ValidationError({name: [f"Expected a whole number from {low} to {high}."]})
        return int(raw)

    @property
    def bounds(self) -> dict[str, tuple[int, int]]:
        return {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, self.max_offset),
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            low, high = self.bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters


class ProcureApi(GenericAPIView):
    """Base of every API: token or session authentication, JSON, our error bodies."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes: Sequence[type[BasePermission]] = [IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    pagination_class = Pagination

    @property
    def user(self) -> User:
        """The caller; IsAuthenticated has already turned anonymous requests away."""
        user = self.request.user
        assert isinstance(user, User)
        return user

    def get_exception_handler(self) -> Callable[..., Any]:
        return exception_handler

    def paginated(self, queryset: QuerySet[Any], serializer_class: type) -> Any:
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(serializer_class(page, many=True).data)


class OrganizationRole(BasePermission):
    """Membership of the URL's organisation with the operation's role.

    Not a member → 404 (another organisation's existence is not revealed); a member whose role
    is too low → 403.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        try:
            view.membership = membership_required(
                user=request.user,
                organization_slug=view.kwargs["slug"],
                role=view.role_for(request.method or "GET"),
            )
        except RoleTooLow as exc:
            raise PermissionDenied(str(exc)) from exc
        return True


class OrganizationApi(ProcureApi):
    """Base of the APIs under /organizations/<slug>/."""

    permission_classes: Sequence[type[BasePermission]] = [IsAuthenticated, OrganizationRole]
    required_role: ClassVar[str] = Role.VIEWER
    membership: Membership

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @classmethod
    def role_for(cls, method: str) -> str:
        """The role of the operation class that handles `method` (HEAD is GET's)."""
        handler = "get" if method.upper() == "HEAD" else method.lower()
        for klass in cls.__mro__:
            if handler in vars(klass):
                return str(getattr(klass, "required_role", Role.VIEWER))
        return Role.VIEWER


def route(*operations: type[ProcureApi]) -> Callable[..., Any]:
    """One URL served by several one-operation classes, each answering its own method."""
    if len(operations) == 1:
        return operations[0].as_view()
    names = {op.__name__ for op in operations}
    methods = [m for op in operations for m in op.http_method_names if m in vars(op)]
    assert len(methods) == len(set(methods)), f"{names} handle the same method twice"
    combined = cast(
        type[ProcureApi], type("".join(op.__name__ for op in operations), operations, {})
    )
    return combined.as_view()
