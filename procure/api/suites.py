"""Domain suites: upload (files or one archive), validation report, versions."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from evals.suites import read_upload, validate_suite
from evals.suites.limits import MAX_FILES, MAX_TOTAL_BYTES, MIB
from evals.suites.report import SuiteRefused
from procure.accounts.models import Role
from procure.suites.models import Suite, SuiteVersion
from procure.suites.selectors import suite_get, suite_list, suite_version_list
from procure.suites.services import suite_upload

from .errors import ProblemSerializer, SuiteRefusedSerializer
from .fields import StrictInput
from .permissions import OrganizationApi

TAGS = ["suites"]


class SuiteTaskSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    output_type = serializers.CharField()
    n_docs = serializers.IntegerField(help_text="Items evaluated.")
    primary_metric = serializers.CharField()


class SuiteVersionOutputSerializer(serializers.ModelSerializer[SuiteVersion]):
    tasks = SuiteTaskSerializer(many=True)

    class Meta:
        model = SuiteVersion
        fields = ("id", "suite", "number", "content_hash", "size_bytes", "tasks", "created_at")


class SuiteOutputSerializer(serializers.ModelSerializer[Suite]):
    version_count = serializers.IntegerField()
    latest_version = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Suite
        fields = (
            "id",
            "name",
            "domain",
            "description",
            "version_count",
            "latest_version",
            "created_at",
            "updated_at",
        )


class SuiteFilesInputSerializer(StrictInput):
    files = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        # Django refuses more files than DATA_UPLOAD_MAX_NUMBER_FILES before we see them.
        max_length=min(MAX_FILES, settings.DATA_UPLOAD_MAX_NUMBER_FILES or MAX_FILES),
        help_text=(
            "The suite's YAML and data files, or one .zip/.tar.gz archive (needed for folders: "
            "browsers and curl send file names without their folders)."
        ),
    )

    def validate_files(self, files: list[Any]) -> dict[str, bytes]:
        if sum(upload.size or 0 for upload in files) > MAX_TOTAL_BYTES:
            raise serializers.ValidationError(
                f"An upload is limited to {MAX_TOTAL_BYTES // MIB} MB."
            )
        # Unpacks archives with hard caps; SuiteRefused says which file is wrong and why.
        return read_upload({upload.name or "": upload.read() for upload in files})


class SuiteUploadInputSerializer(SuiteFilesInputSerializer):
    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    description = serializers.CharField(required=False, default="", allow_blank=True)


class SuiteUploadOutputSerializer(serializers.Serializer[Any]):
    suite = SuiteOutputSerializer()
    version = SuiteVersionOutputSerializer()
    created = serializers.BooleanField(
        help_text="False when the same content was already a version of this suite."
    )


class ValidationReportSerializer(serializers.Serializer[Any]):
    ok = serializers.BooleanField()
    content_hash = serializers.CharField()
    tasks = SuiteTaskSerializer(many=True)
    problems = ProblemSerializer(many=True)
    notes = ProblemSerializer(
        many=True, help_text="Accepted but changed: keys dropped because they do nothing."
    )


class SuiteFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains", help_text="Part of the name.")

    class Meta:
        model = Suite
        fields = ("name", "domain")


class SuiteListApi(OrganizationApi):
    queryset = Suite.objects.none()  # the model, for the schema
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SuiteFilter

    def get_queryset(self) -> QuerySet[Suite]:
        return suite_list(organization=self.organization)

    @extend_schema(tags=TAGS, responses=SuiteOutputSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return self.paginated(self.get_queryset(), SuiteOutputSerializer)


class SuiteUploadApi(OrganizationApi):
    """Validate the files and store them as the suite's next version (the suite is created on
    its first upload). A refused upload saves nothing and lists every problem."""

    required_role = Role.EDITOR
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        request={"multipart/form-data": SuiteUploadInputSerializer},
        responses={
            201: SuiteUploadOutputSerializer,
            200: SuiteUploadOutputSerializer,
            400: SuiteRefusedSerializer,
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = SuiteUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = suite_upload(organization=self.organization, user=self.user, **data)
        suite = suite_list(organization=self.organization).get(pk=result.version.suite_id)
        body = {"suite": suite, "version": result.version, "created": result.created}
        return Response(
            SuiteUploadOutputSerializer(body).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class SuiteValidateApi(OrganizationApi):
    """The validation report of an upload, without storing anything."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        request={"multipart/form-data": SuiteFilesInputSerializer},
        responses={200: ValidationReportSerializer, 400: SuiteRefusedSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = SuiteFilesInputSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except SuiteRefused as refused:  # an unreadable archive is a report, not an error here
            return Response(report_body(refused.problems, content_hash=""))
        report = validate_suite(serializer.validated_data["files"])
        return Response(
            report_body(report.problems, report.content_hash, report.tasks, report.notes)
        )


def report_body(
    problems: Any, content_hash: str, tasks: Any = (), notes: Any = ()
) -> dict[str, Any]:
    return ValidationReportSerializer(
        {
            "ok": not problems,
            "content_hash": content_hash,
            "tasks": tasks,
            "problems": problems,
            "notes": notes,
        }
    ).data


class SuiteDetailApi(OrganizationApi):
    @extend_schema(tags=TAGS, responses=SuiteOutputSerializer)
    def get(self, request: Request, slug: str, suite_id: int) -> Response:
        suite = suite_list(organization=self.organization).get(pk=suite_id)
        return Response(SuiteOutputSerializer(suite).data)


class SuiteVersionListApi(OrganizationApi):
    queryset = SuiteVersion.objects.none()  # the model, for the schema

    def get_queryset(self) -> QuerySet[SuiteVersion]:
        suite = suite_get(organization=self.organization, suite_id=self.kwargs["suite_id"])
        return suite_version_list(organization=self.organization, suite_id=suite.pk)

    @extend_schema(tags=TAGS, responses=SuiteVersionOutputSerializer(many=True))
    def get(self, request: Request, slug: str, suite_id: int) -> Response:
        return self.paginated(self.get_queryset(), SuiteVersionOutputSerializer)
