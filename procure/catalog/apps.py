from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "procure.catalog"
    label = "catalog"
