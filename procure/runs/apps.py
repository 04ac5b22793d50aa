from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "procure.runs"
    label = "runs"
