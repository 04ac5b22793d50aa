from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procure.accounts.access import default_organization
from procure.core.health import broker_status, database_status

from .pages import current_user


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's first organisation (by name); the switcher in the header reaches the others."""
    organization = default_organization(current_user(request))
    if organization is None:
        return render(request, "web/no_organization.html")
    return redirect("web:overview", organization.slug)


def bare(request: HttpRequest) -> HttpResponse:
    """A plain "ok" and nothing else: what a request costs before a page does its own work."""
    return HttpResponse("ok", content_type="text/plain")
