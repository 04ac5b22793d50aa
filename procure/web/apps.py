from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "procure.web"
    label = "web"
