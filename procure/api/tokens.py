"""The caller's own API tokens: list, create (the key is shown once), revoke."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from procure.accounts.models import ApiToken
from procure.accounts.selectors import token_list
from procure.accounts.services import token_create, token_revoke

from .fields import StrictInput
from .permissions import ProcureApi

TAGS = ["tokens"]


class TokenOutputSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = ("id", "name", "prefix", "created_at", "last_used_at")


class NewTokenOutputSerializer(TokenOutputSerializer):
    key = serializers.CharField(help_text="The token. Shown this once; only its hash is kept.")

    class Meta(TokenOutputSerializer.Meta):
        fields = (*TokenOutputSerializer.Meta.fields, "key")


class TokenInputSerializer(StrictInput):
    name = serializers.CharField(max_length=100, help_text='What will use it, e.g. "CI".')


class TokenListApi(ProcureApi):
    queryset = ApiToken.objects.none()  # the model, for the schema

    def get_queryset(self) -> QuerySet[ApiToken]:
        return token_list(user=self.user)

    @extend_schema(tags=TAGS, responses=TokenOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(self.get_queryset(), TokenOutputSerializer)


class TokenCreateApi(ProcureApi):
    """Only from a logged-in browser session: a leaked token must not mint others that would
    survive its revocation."""

    @extend_schema(
        tags=TAGS, request=TokenInputSerializer, responses={201: NewTokenOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied("Create tokens from a browser session (/account/tokens/).")
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = token_create(user=self.user, name=serializer.validated_data["name"])
        body: dict[str, Any] = {**TokenOutputSerializer(new.token).data, "key": new.key}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenRevokeApi(ProcureApi):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        token_revoke(user=self.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
