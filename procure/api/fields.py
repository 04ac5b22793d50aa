"""Serializer pieces every API module shares."""

import math
from collections.abc import Mapping
from typing import Any

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Ids in URLs and bodies stay inside PostgreSQL's bigint.
MAX_ID = 2**63 - 1


class StrictInput(serializers.Serializer[Any]):
    """Refuses fields it does not know: a typo in a script must fail, not be ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictModelInput(StrictInput, serializers.ModelSerializer):
    """Model-derived field types and limits for input; saving stays with the services."""


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class FiniteFloatField(serializers.FloatField):
    """Measured numbers can be NaN (a metric over one item has no stderr); JSON has no NaN."""

    def to_representation(self, value: Any) -> Any:
        number = float(value)
        return number if math.isfinite(number) else None


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A whole-number filter on an id. Not a model choice: that would validate the id against
    every organisation's rows and so tell which ids exist elsewhere."""

    field_class = forms.IntegerField


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(filters.TypedChoiceFilter):
    """`true` or `false`, and a 400 for anything else (django-filter ignores what it cannot
    read, so `open_weights=yes` would silently list everything)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            **kwargs,
        )
