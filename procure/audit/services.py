"""Recording audit events: one helper, called by the services inside their own transaction."""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from procure.accounts.models import Organization

from .context import current_actor
from .models import AuditEvent

# Never read into an event, whatever a caller asks: an audit log is read by every admin.
SECRET_FIELDS = frozenset({"secret", "secret_encrypted"})


@transaction.atomic
def audit_record(
    *,
    organization: Organization,
    action: str,
    target: models.Model | None = None,
    target_id: int | None = None,
    target_repr: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Note that the current actor did `action` (`<object type>.<verb>`) to `target`.

    Called inside the service's transaction: if the change rolls back, so does its event. For a
    deleted object, pass its id and repr as they were (`target_id`, `target_repr`).
    """
    actor = current_actor()
    leaked = SECRET_FIELDS & set(changes or {})
    assert not leaked, f"secret fields in an audit event: {sorted(leaked)}"
    return AuditEvent.objects.create(
        organization=organization,
        actor_user=actor.user,
        actor=actor.name,
        action=action,
        object_type=action.partition(".")[0],
        object_id=target.pk if target is not None else target_id,
        object_repr=(str(target) if target is not None else target_repr)[:300],
        changes=_plain(dict(changes or {})),
        ip_address=actor.ip_address,
    )


@transaction.atomic
def audit_delete(*, organization: Organization, action: str, target: models.Model) -> None:
    """Delete `target` and note who did, keeping its id and name as they were."""
    audit_record(
        organization=organization,
        action=action,
        target_id=target.pk,
        target_repr=str(target),
    )
    target.delete()


def field_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The instance's current values of `fields`, as JSON would hold them."""
    wanted = [name for name in fields if name not in SECRET_FIELDS]
    return _plain({name: getattr(instance, name) for name in wanted})


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """{field: {"old": …, "new": …}} for each field whose value differs."""
    return {
        name: change(before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    }


def change(old: Any, new: Any) -> dict[str, Any]:
    """How the log writes one field's change (other entries of `changes` are plain facts)."""
    return {"old": old, "new": new}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    # Decimals, dates and the like as strings, exactly as the JSON column will store them, so
    # that values read before and after a change compare equal when they are.
    plain: dict[str, Any] = json.loads(json.dumps(values, cls=DjangoJSONEncoder))
    return plain
