"""Money page (admins change it, members read it): the reporting currency and the dated
exchange rates used to convert prices in other currencies."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from procure.accounts.models import Membership, Role
from procure.catalog.models import ExchangeRate
from procure.catalog.rates import exchange_rate_delete, exchange_rate_set, reporting_currency_set

from .catalog_forms import iso_date_input
from .pages import member_view, render_page


class ReportingCurrencyForm(forms.Form):
    reporting_currency = forms.CharField(
        max_length=3, label="Reporting currency", help_text="Costs are shown in this currency."
    )


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(max_length=3, label="Currency", help_text='e.g. "EUR".')
    rate = forms.DecimalField(
        max_digits=14,
        decimal_places=6,
        min_value=0.000001,
        label="Worth in the reporting currency",
        help_text="Units of the reporting currency for one unit of this currency.",
    )
    valid_on = forms.DateField(widget=iso_date_input(), label="Rate of")
    source = forms.CharField(max_length=500, required=False, label="Source")


@require_safe
@member_view(Role.VIEWER)
def money_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organization = membership.organization
    return _page(
        request,
        membership,
        ReportingCurrencyForm(initial={"reporting_currency": organization.reporting_currency}),
        ExchangeRateForm(),
    )


@require_POST
@member_view(Role.ADMIN)
def money_save(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Either form of the page; an invalid one is shown again with its errors."""
    organization = membership.organization
    which = request.POST.get("form")
    currency_form = ReportingCurrencyForm(
        request.POST if which == "currency" else None,
        initial={"reporting_currency": organization.reporting_currency},
    )
    rate_form = ExchangeRateForm(request.POST if which == "rate" else None)
    if which == "currency" and currency_form.is_valid():
        try:
            reporting_currency_set(
                organization=organization,
                currency=currency_form.cleaned_data["reporting_currency"],
            )
        except ValidationError as exc:
            currency_form.add_error(None, exc)
        else:
            messages.success(request, f"Costs are now shown in {organization.reporting_currency}.")
            return redirect("web:money", organization.slug)
    elif which == "rate" and rate_form.is_valid():
        try:
            exchange_rate_set(organization=organization, **rate_form.cleaned_data)
        except ValidationError as exc:
            rate_form.add_error(None, exc)
        else:
            messages.success(request, "Exchange rate saved.")
            return redirect("web:money", organization.slug)
    elif which not in ("currency", "rate"):
        messages.error(request, "Nothing to save: send the currency form or the rate form.")
        return redirect("web:money", organization.slug)
    response = _page(request, membership, currency_form, rate_form)
    response.status_code = 400
    return response


def _page(
    request: HttpRequest,
    membership: Membership,
    currency_form: ReportingCurrencyForm,
    rate_form: ExchangeRateForm,
) -> HttpResponse:
    context = {
        "currency_form": currency_form,
        "rate_form": rate_form,
        "rates": ExchangeRate.objects.filter(organization=membership.organization),
        "can_change": membership.can(Role.ADMIN),
    }
    return render_page(request, membership, "web/money.html", context)


@require_POST
@member_view(Role.ADMIN)
def exchange_rate_remove(
    request: HttpRequest, membership: Membership, rate_id: int
) -> HttpResponse:
    organization = membership.organization
    # Another organisation's rate is a DoesNotExist: a 404, as for any id that is not ours.
    exchange_rate_delete(organization=organization, rate_id=rate_id)
    messages.success(request, "Exchange rate removed.")
    return redirect("web:money", organization.slug)
