from django.conf import settings
from django.db import models

from procure.accounts.models import Organization


class Action(models.TextChoices):
    CAMPAIGN_LAUNCHED = "campaign.launched", "Campaign launched"
    CAMPAIGN_CANCELLED = "campaign.cancelled", "Campaign cancelled"
    RUN_RETRIED = "run.retried", "Run retried"
    REPORT_GENERATED = "report.generated", "Report generated"
    PROFILE_CREATED = "profile.created", "Profile created"
    PROFILE_CHANGED = "profile.changed", "Profile changed"
    PROFILE_DELETED = "profile.deleted", "Profile deleted"
    CANDIDATE_CREATED = "candidate.created", "Candidate created"
    CANDIDATE_CHANGED = "candidate.changed", "Candidate changed"
    CANDIDATE_DELETED = "candidate.deleted", "Candidate deleted"
    OPTION_CREATED = "option.created", "Deployment option created"
    OPTION_CHANGED = "option.changed", "Deployment option changed"
    OPTION_DELETED = "option.deleted", "Deployment option deleted"
    ACCESS_CHANGED = "access.changed", "Evaluation access changed"
    SECRET_SET = "secret.set", "Secret set"
    SECRET_CLEARED = "secret.cleared", "Secret cleared"
    CATALOG_IMPORTED = "catalog.imported", "Catalog imported"
    SUITE_UPLOADED = "suite.uploaded", "Suite version uploaded"
    MEMBER_ADDED = "member.added", "Member added"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    SCHEDULE_SET = "schedule.set", "Schedule set"
    SCHEDULE_DELETED = "schedule.deleted", "Schedule removed"


class AuditEvent(models.Model):
    """Who did what to which object of an organisation, and when: written by the services in
    the same transaction as the change itself, so an event exists exactly when its change does.

    `changes` holds field names with their old and new values, never a secret's value (a secret
    is only said to be "set" or "cleared").
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        max_length=200, help_text='The user, with the API token used if any; or "system".'
    )
    action = models.CharField(max_length=60, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_time"),
            models.Index(fields=["organization", "action"], name="audit_org_action"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.object_repr}"

    @property
    def change_lines(self) -> list[tuple[str, str]]:
        """(field, "old → new") for changed fields, (name, value) for other facts."""
        lines = []
        for name, value in self.changes.items():
            if isinstance(value, dict) and set(value) == {"old", "new"}:
                text = f"{_shown(value['old'])} → {_shown(value['new'])}"
            else:
                text = _shown(value)
            lines.append((name, text))
        return lines


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)
