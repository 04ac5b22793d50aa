from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "procure.accounts"
    label = "accounts"
