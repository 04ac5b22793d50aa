"""What each registered endpoint can do: probed when its access is saved, refreshed before a
campaign is queued when the stored answer is older than ENDPOINT_PROBE_MAX_AGE_SECONDS."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from evals.backends import API_BACKENDS, DEFAULT_TIMEOUT_SECONDS
from evals.context_fit import local_tokenizer
from evals.probe import EndpointCapabilities, probe_endpoint
from procure.core.crypto import SecretUnreadable

from .models import EvaluationAccess

logger = logging.getLogger(__name__)


def evaluation_access_probe(*, access: EvaluationAccess) -> EndpointCapabilities | None:
    """Probe the endpoint and store what it answered; None for a local checkpoint."""
    if access.backend not in API_BACKENDS or not access.options.get("base_url"):
        return None
    try:
        secret = access.get_secret()
    except SecretUnreadable:
        secret = ""  # the run will say so; the probe can still learn what needs no key
    tokenizer = local_tokenizer(str(access.options.get("tokenizer", "")))
    timeout = min(
        float(access.options.get("timeout") or DEFAULT_TIMEOUT_SECONDS),
        settings.ENDPOINT_PROBE_TIMEOUT_SECONDS,
    )
    found = probe_endpoint(
        backend=access.backend,
        url=str(access.options["base_url"]),
        model=access.identity,
        api_key=secret or None,
        encode=tokenizer[0] if tokenizer else None,
        timeout=timeout,
    )
    access.capabilities, access.probed_at = found.as_dict(), timezone.now()
    # Only these two fields: the probe runs outside the transaction that saved the access.
    EvaluationAccess.objects.filter(pk=access.pk).update(
        capabilities=access.capabilities, probed_at=access.probed_at
    )
    logger.info("probed %s: %s", access.options["base_url"], found)
    return found


def access_capabilities(access: EvaluationAccess) -> EndpointCapabilities | None:
    """The endpoint's capabilities, probed again when the stored ones are missing or stale."""
    if access.backend not in API_BACKENDS:
        return None
    max_age = timedelta(seconds=settings.ENDPOINT_PROBE_MAX_AGE_SECONDS)
    if access.probed_at is None or timezone.now() - access.probed_at > max_age:
        return evaluation_access_probe(access=access)
    return EndpointCapabilities.from_dict(access.capabilities)
