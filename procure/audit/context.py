"""Who is acting: the request being served, for the audit log to name its actor and address.

Services record events without an `actor` argument on every signature: the request (and so
its user, and the API token DRF authenticated) is held in a context variable for the duration
of the request. Outside a request (Celery tasks, management commands) the actor is "system".
"""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

from procure.accounts.models import ApiToken
from procure.core.client import client_address

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(reset)


@dataclass(frozen=True)
class Actor:
    user: User | None
    name: str
    ip_address: str | None


SYSTEM = Actor(user=None, name="system", ip_address=None)


def current_actor() -> Actor:
    request = _current_request.get()
    if request is None:
        return SYSTEM
    # DRF copies the user and token it authenticated onto the Django request.
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return Actor(user=None, name="anonymous", ip_address=client_address(request))
    name = user.get_username()
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        name = f"{name} (API token “{token.name}”)"
    return Actor(user=user, name=name[:200], ip_address=client_address(request))
