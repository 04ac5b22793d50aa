"""Pages of one organisation: /o/<slug>/..."""

from django.urls import path, register_converter

from . import (
    audit,
    campaigns,
    catalog,
    members,
    money_settings,
    overview,
    profiles,
    reports,
    schedules,
    suites,
)


class ObjectIdConverter:
    """A row id that fits PostgreSQL's bigint: a longer number is a 404, not a database error."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ObjectIdConverter, "oid")

app_name = "web"
urlpatterns = [
    path("", overview.overview, name="overview"),
    # Task profiles
    path("profiles/", profiles.profile_list_page, name="profiles"),
    path("profiles/new/", profiles.profile_create, name="profile-new"),
    path("profiles/<oid:profile_id>/", profiles.profile_detail, name="profile-detail"),
    path("profiles/<oid:profile_id>/edit/", profiles.profile_edit, name="profile-edit"),
    path("profiles/<oid:profile_id>/delete/", profiles.profile_delete_view, name="profile-delete"),
    path("profiles/<oid:profile_id>/history/", schedules.profile_history, name="profile-history"),
    # Schedules and alerts
    path("profiles/<oid:profile_id>/schedule/", schedules.schedule_page, name="profile-schedule"),
    path(
        "profiles/<oid:profile_id>/schedule/save/",
        schedules.schedule_save,
        name="profile-schedule-save",
    ),
    path(
        "profiles/<oid:profile_id>/schedule/run/",
        schedules.schedule_run_now,
        name="profile-schedule-run",
    ),
    path(
        "profiles/<oid:profile_id>/schedule/delete/",
        schedules.schedule_delete_view,
        name="profile-schedule-delete",
    ),
    path("notifications/", schedules.notification_list_page, name="notifications"),
    path(
        "notifications/read-all/", schedules.notifications_read_all, name="notifications-read-all"
    ),
    path(
        "notifications/<oid:alert_id>/read/", schedules.notification_read, name="notification-read"
    ),
    # Catalog
    path("catalog/", catalog.candidate_list_page, name="catalog"),
    path("catalog/new/", catalog.candidate_create, name="candidate-new"),
    path("catalog/import/", catalog.catalog_import_page, name="catalog-import"),
    path("catalog/compare/", catalog.catalog_compare, name="catalog-compare"),
    path("catalog/export.<str:file_format>", catalog.catalog_export, name="catalog-export"),
    path("catalog/<oid:candidate_id>/", catalog.candidate_detail, name="candidate-detail"),
    path("catalog/<oid:candidate_id>/edit/", catalog.candidate_edit, name="candidate-edit"),
    path(
        "catalog/<oid:candidate_id>/delete/", catalog.candidate_delete_view, name="candidate-delete"
    ),
    path(
        "catalog/<oid:candidate_id>/access/",
        catalog.evaluation_access_page,
        name="candidate-access",
    ),
    # Suites
    path("suites/", suites.suite_list_page, name="suites"),
    path("suites/upload/", suites.suite_upload_page, name="suite-upload"),
    path("suites/<oid:suite_id>/", suites.suite_detail, name="suite-detail"),
    path("suites/<oid:suite_id>/upload/", suites.suite_upload_page, name="suite-upload-version"),
    path("suites/versions/<oid:version_id>/preview/", suites.suite_preview, name="suite-preview"),
    # Campaigns and runs
    path("campaigns/", campaigns.campaign_list_page, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_new, name="campaign-new"),
    path("campaigns/estimate/", campaigns.campaign_estimate, name="campaign-estimate"),
    path("campaigns/<oid:campaign_id>/", campaigns.campaign_detail, name="campaign-detail"),
    path(
        "campaigns/<oid:campaign_id>/progress/",
        campaigns.campaign_progress_fragment,
        name="campaign-progress",
    ),
    path(
        "campaigns/<oid:campaign_id>/cancel/",
        campaigns.campaign_cancel_view,
        name="campaign-cancel",
    ),
    path("campaigns/<oid:campaign_id>/report/", campaigns.campaign_report, name="campaign-report"),
    path("runs/<oid:run_id>/retry/", campaigns.run_retry_view, name="run-retry"),
    # Reports
    path("reports/", reports.report_list_page, name="reports"),
    path("reports/<oid:report_id>/", reports.report_detail, name="report-detail"),
    path("reports/<oid:report_id>/pdf/", reports.report_pdf, name="report-pdf"),
    path(
        "reports/<oid:report_id>/diff/<oid:previous_id>/",
        schedules.report_diff_page,
        name="report-diff",
    ),
    # Reporting currency and exchange rates
    path("currency/", money_settings.money_page, name="money"),
    path("currency/save/", money_settings.money_save, name="money-save"),
    path(
        "currency/rates/<oid:rate_id>/remove/",
        money_settings.exchange_rate_remove,
        name="exchange-rate-remove",
    ),
    # Members
    path("members/", members.member_list_page, name="members"),
    path("members/<oid:member_id>/role/", members.member_role, name="member-role"),
    path("members/<oid:member_id>/remove/", members.member_remove, name="member-remove"),
    # Audit log
    path("audit/", audit.audit_log_page, name="audit"),
]
