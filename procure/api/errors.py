"""One shape for every error the API returns.

- 400: `{"errors": {"<place>": ["message", ...]}}`, where a place is a field name or a path
  into the body such as `candidates[2].deployment_options[0].hourly_rate`, and
  `non_field_errors` holds problems with the request as a whole. A refused suite upload adds
  `"problems": [{"file", "line", "key", "message"}]`.
- 401, 403, 404, 405, 409, 415: `{"detail": "message"}`.

Domain exceptions raised by services and selectors are mapped here, so views stay free of
try/except blocks that would all say the same thing.
"""

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from evals.suites.report import SuiteRefused
from procure.accounts.access import RoleTooLow
from procure.accounts.services import LastAdmin
from procure.catalog.services import CandidateInUse, SecretNeedsAdmin
from procure.core.validation import ImportProblem
from procure.profiles.services import ProfileInUse
from procure.reports.services import ReportNotReady
from procure.runs.planning import CampaignRefused
from procure.runs.services import RunNotRetryable

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SuiteRefused):
        return Response(suite_refused_body(exc), status=status.HTTP_400_BAD_REQUEST)
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        # A malformed body (ParseError) says "detail" like any other error; here it is an
        # error of the request as a whole.
        detail = response.data
        if not isinstance(exc, exceptions.ValidationError):
            detail = {NON_FIELD: [response.data.get("detail", "Bad request.")]}
        response.data = {"errors": flatten_errors(detail)}
    return response


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, SuspiciousOperation):
        # Django's own request limits (too many files or fields, too large a body).
        return exceptions.ParseError(str(exc) or "The request was refused.")
    if isinstance(exc, ObjectDoesNotExist):
        # Another organisation's object and no object at all read the same: nothing leaks.
        return exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(_django_errors(exc))
    if isinstance(exc, ImportProblem):
        return exceptions.ValidationError(problems_by_place(exc.problems))
    if isinstance(exc, CampaignRefused):
        return exceptions.ValidationError({NON_FIELD: exc.problems})
    if isinstance(exc, RoleTooLow | SecretNeedsAdmin):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(
        exc, CandidateInUse | ProfileInUse | ReportNotReady | RunNotRetryable | LastAdmin
    ):
        return Conflict(str(exc))
    return exc


def _django_errors(exc: DjangoValidationError) -> dict[str, Any]:
    if not hasattr(exc, "error_dict"):
        return {NON_FIELD: get_error_detail(exc)}
    detail = get_error_detail(exc)
    assert isinstance(detail, dict)
    return {NON_FIELD if key == "__all__" else key: value for key, value in detail.items()}


def problems_by_place(problems: list[str], strip: str = "") -> dict[str, list[str]]:
    """`["candidates[0].name: This field is required."]` → `{"candidates[0].name": [...]}`."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        place, sep, message = problem.partition(": ")
        if not sep:
            place, message = NON_FIELD, problem
        if strip and place == strip.rstrip("."):
            place = NON_FIELD
        place = place.removeprefix(strip) or NON_FIELD
        errors.setdefault(place, []).append(message)
    return errors


def flatten_errors(detail: Any, place: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {place: [messages]}, places written as body paths."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == NON_FIELD and place:
                child = place
            elif isinstance(key, int):
                child = f"{place}[{key}]"
            else:
                child = f"{place}.{key}" if place else str(key)
            for where, messages in flatten_errors(value, child).items():
                errors.setdefault(where, []).extend(messages)
        return errors
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {place or NON_FIELD: [str(item) for item in detail]} if detail else {}
        return flatten_errors({i: item for i, item in enumerate(detail) if item}, place)
    return {place or NON_FIELD: [str(detail)]}


def suite_refused_body(exc: SuiteRefused) -> dict[str, Any]:
    return {
        "errors": {"files": [str(problem) for problem in exc.problems]},
        "problems": [asdict(problem) for problem in exc.problems],
    }


class ProblemSerializer(serializers.Serializer[Any]):
    file = serializers.CharField(help_text="The uploaded file, or empty for the whole upload.")
    line = serializers.IntegerField(allow_null=True, help_text="1-based line, when known.")
    key = serializers.CharField(allow_blank=True, help_text="Dotted key, e.g. metric_list[0].")
    message = serializers.CharField()


# Inline: a serializer class cannot declare a field named "errors" (DRF's own property).
SuiteRefusedSerializer = inline_serializer(
    name="SuiteRefused",
    fields={
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages by place: a field name, a path into the body, or non_field_errors.",
        ),
        "problems": ProblemSerializer(
            many=True, required=False, help_text="Present when the suite's files were refused."
        ),
    },
)


class DetailSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


@csrf_exempt  # it changes nothing: a write to a wrong path is a 404, not a CSRF page
def not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Paths under /api/ that match no endpoint answer in JSON like every other error."""
    return JsonResponse({"detail": "No such endpoint (API paths end with a slash)."}, status=404)
