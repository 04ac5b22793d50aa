"""/api/: the OpenAPI schema and its documentation pages, and version 1 of the API."""

from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path, re_path, register_converter
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import (
    alerts,
    audit,
    campaigns,
    candidates,
    catalog_import,
    catalog_offers,
    deployment_options,
    evaluation_access,
    members,
    organizations,
    profiles,
    reports,
    runs,
    schedules,
    suites,
    tokens,
)
from .errors import not_found
from .permissions import route
from .schema import IdConverter

register_converter(IdConverter, "id")

organization_urls: list[URLPattern | URLResolver] = [
    path("", organizations.OrganizationDetailApi.as_view()),
    path("candidates/", route(candidates.CandidateListApi, candidates.CandidateCreateApi)),
    path("candidates/import/", catalog_import.CatalogImportApi.as_view()),
    path("candidates/offers/", catalog_offers.CatalogOffersApi.as_view()),
    path(
        "candidates/<id:candidate_id>/",
        route(
            candidates.CandidateDetailApi,
            candidates.CandidateUpdateApi,
            candidates.CandidateDeleteApi,
        ),
    ),
    path(
        "candidates/<id:candidate_id>/deployment-options/",
        route(
            deployment_options.DeploymentOptionListApi,
            deployment_options.DeploymentOptionCreateApi,
        ),
    ),
    path(
        "candidates/<id:candidate_id>/deployment-options/<id:option_id>/",
        route(
            deployment_options.DeploymentOptionDetailApi,
            deployment_options.DeploymentOptionUpdateApi,
            deployment_options.DeploymentOptionDeleteApi,
        ),
    ),
    path(
        "candidates/<id:candidate_id>/evaluation-access/",
        route(
            evaluation_access.EvaluationAccessDetailApi, evaluation_access.EvaluationAccessSetApi
        ),
    ),
    path("members/", route(members.MemberListApi, members.MemberAddApi)),
    path("members/<id:member_id>/", route(members.MemberRoleApi, members.MemberRemoveApi)),
    path("suites/", route(suites.SuiteListApi, suites.SuiteUploadApi)),
    path("suites/validate/", suites.SuiteValidateApi.as_view()),
    path("suites/<id:suite_id>/", suites.SuiteDetailApi.as_view()),
    path("suites/<id:suite_id>/versions/", suites.SuiteVersionListApi.as_view()),
    path("profiles/", route(profiles.ProfileListApi, profiles.ProfileCreateApi)),
    path(
        "profiles/<id:profile_id>/",
        route(profiles.ProfileDetailApi, profiles.ProfileUpdateApi, profiles.ProfileDeleteApi),
    ),
    path(
        "profiles/<id:profile_id>/schedule/",
        route(schedules.ScheduleDetailApi, schedules.ScheduleSetApi, schedules.ScheduleDeleteApi),
    ),
    path("profiles/<id:profile_id>/schedule/run/", schedules.ScheduleRunApi.as_view()),
    path("profiles/<id:profile_id>/schedule/firings/", schedules.FiringListApi.as_view()),
    path("alerts/", alerts.AlertListApi.as_view()),
    path("alerts/<id:alert_id>/", alerts.AlertDetailApi.as_view()),
    path("alerts/<id:alert_id>/read/", alerts.AlertReadApi.as_view()),
    path("campaigns/", route(campaigns.CampaignListApi, campaigns.CampaignLaunchApi)),
    path("campaigns/estimate/", campaigns.CampaignEstimateApi.as_view()),
    path("campaigns/<id:campaign_id>/", campaigns.CampaignStatusApi.as_view()),
    path("campaigns/<id:campaign_id>/cancel/", campaigns.CampaignCancelApi.as_view()),
    path("runs/", runs.RunListApi.as_view()),
    path("runs/<id:run_id>/", runs.RunDetailApi.as_view()),
    path("runs/<id:run_id>/samples/", runs.RunSampleListApi.as_view()),
    path("runs/<id:run_id>/retry/", runs.RunRetryApi.as_view()),
    path("reports/", route(reports.ReportListApi, reports.ReportGenerateApi)),
    path("reports/<id:report_id>/", reports.ReportDetailApi.as_view()),
    path("reports/<id:report_id>/pdf/", reports.ReportPdfApi.as_view()),
    path("reports/<id:report_id>/diff/<id:previous_id>/", alerts.ReportDiffApi.as_view()),
    path("audit/", audit.AuditEventListApi.as_view()),
]

v1_urls: list[URLPattern | URLResolver] = [
    path("organizations/", organizations.OrganizationListApi.as_view()),
    path("organizations/<slug:slug>/", include(organization_urls)),
    path("tokens/", route(tokens.TokenListApi, tokens.TokenCreateApi)),
    path("tokens/<id:token_id>/", tokens.TokenRevokeApi.as_view()),
]

# The documentation pages load Swagger UI and Redoc from their CDN (and Redoc its fonts and a
# worker): only these two pages allow those origins. The split Swagger view serves its start-up
# script from our own origin instead of inline.
CDN = "https://cdn.jsdelivr.net"
docs_policy = csp_update(
    {
        "script-src": [CDN],
        "style-src": [CDN, "https://fonts.googleapis.com"],
        "img-src": [CDN],
        "font-src": ["https://fonts.gstatic.com"],
        "worker-src": ["blob:"],
    }
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        docs_policy(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "redoc/",
        docs_policy(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("v1/", include(v1_urls)),
    re_path(r"", not_found),
]
