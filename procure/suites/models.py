from django.conf import settings
from django.db import models

from procure.accounts.models import Organization
from procure.core.models import TimeStamped


class Suite(TimeStamped):
    """A named domain suite; its content lives in immutable, numbered versions."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="suites")
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="suite_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name


class SuiteVersion(models.Model):
    """One validated upload. Never edited: new content makes a new version.

    The validated files are kept in the database (a canonical bundle of a few MB at most), so
    any worker host can materialise the suite without shared storage.
    """

    suite = models.ForeignKey(Suite, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    bundle = models.BinaryField(editable=False)
    size_bytes = models.PositiveIntegerField(default=0)
    tasks = models.JSONField(
        default=list, help_text="Tasks found at validation: name, output type, items, metric."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["suite", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["suite", "number"], name="suite_version_number"),
            models.UniqueConstraint(fields=["suite", "content_hash"], name="suite_version_content"),
        ]

    def __str__(self) -> str:
        return f"{self.suite.name} v{self.number} ({self.content_hash[:12]})"
