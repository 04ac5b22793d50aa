from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procure.accounts.selectors import organization_list_for_user
from procure.catalog.selectors import candidate_list
from procure.core.health import broker_status, database_status
from procure.profiles.selectors import profile_list
from procure.reports.selectors import report_list


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
    organizations = list(organization_list_for_user(user=request.user))  # type: ignore[arg-type]
    organization = organizations[0] if organizations else None
    context: dict[str, object] = {"organization": organization, "organizations": organizations}
    if organization is not None:
        context |= {
            "candidates": candidate_list(organization=organization),
            "profiles": profile_list(organization=organization),
            "reports": report_list(organization=organization)[:10],
        }
    return render(request, "web/home.html", context)
