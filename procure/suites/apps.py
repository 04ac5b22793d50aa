from django.apps import AppConfig


class SuitesConfig(AppConfig):
    name = "procure.suites"
    label = "suites"
