from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "procure.profiles"
    label = "profiles"
