from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "procure.audit"
    label = "audit"
    verbose_name = "Audit log"
