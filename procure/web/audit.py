"""The audit log page (admins): who launched, changed or deleted what, with filters."""

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from procure.accounts.models import Membership, Role
from procure.audit.models import Action
from procure.audit.selectors import audit_event_list

from .pages import member_view, render_page

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        required=False, choices=[("", "Any"), *Action.choices], label="Action"
    )
    actor = forms.CharField(required=False, max_length=200, label="Who")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )

    def selector_filters(self) -> dict[str, Any]:
        """The filters as `audit_event_list` takes them; none when a value is malformed (the
        form then shows the error beside its field)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "action": data["action"],
            "actor": data["actor"].strip(),
            "since": data["since"],
            "until": data["until"],
        }


@member_view(Role.ADMIN)
def audit_log_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    filters = AuditFilterForm(request.GET or None)
    events = audit_event_list(
        organization=membership.organization, **filters.selector_filters()
    ).select_related("actor_user")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "page": page,
        "query": query.urlencode(),
    }
    return render_page(request, membership, "web/audit/list.html", context)
