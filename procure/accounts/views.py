"""The user's API tokens page: create (the key is shown once) and revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .models import ApiToken
from .selectors import token_list
from .services import token_create, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Name", help_text='What will use it, e.g. "CI renewal check".'
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        # Rendered, not redirected: the key exists in this response only and is never stored.
        new_key = new.key
        form = TokenForm()
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": token_list(user=request.user),  # type: ignore[arg-type]
    }
    response = render(request, "account/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except ApiToken.DoesNotExist:
        messages.error(request, "No such token.")
    else:
        messages.success(request, "Token revoked: scripts using it are refused from now on.")
    return redirect("account-tokens")
