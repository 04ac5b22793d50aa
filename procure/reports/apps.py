from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "procure.reports"
    label = "reports"
