from django.conf import settings
from django.db import models

from procure.accounts.models import Organization
from procure.profiles.models import TaskProfile
from procure.runs.models import Campaign


class ImmutableSnapshot(Exception):
    pass


class ReportSnapshot(models.Model):
    """Everything a report says, frozen when it was generated.

    Later edits to profiles, candidates or prices never reach an existing snapshot: it holds
    copies, not references. Regenerating makes a new snapshot.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reports")
    profile = models.ForeignKey(
        TaskProfile, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    title = models.CharField(max_length=300)
    snapshot = models.JSONField(editable=False)
    content_hash = models.CharField(max_length=64, editable=False)
    verdict = models.TextField(editable=False)
    recommended = models.CharField(max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableSnapshot("A report snapshot never changes; generate a new one.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
