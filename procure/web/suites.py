"""Suite pages: list, upload with a validation report, versions, preview of items."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect

from evals.spec import SuiteError
from evals.suites import preview_items, read_upload
from evals.suites.report import SuiteRefused
from procure.accounts.models import Membership, Role
from procure.suites.models import Suite
from procure.suites.selectors import (
    suite_get,
    suite_list,
    suite_version_get,
    suite_version_list,
)
from procure.suites.services import suite_upload, unpack_files

from .forms import SuiteUploadForm
from .pages import current_user, member_view, render_page

PREVIEW_ITEMS = 5


@member_view()
def suite_list_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    suites = suite_list(organization=membership.organization).order_by("name")
    return render_page(request, membership, "web/suites/list.html", {"suites": suites})


@member_view()
def suite_detail(request: HttpRequest, membership: Membership, suite_id: int) -> HttpResponse:
    organization = membership.organization
    suite = suite_get(organization=organization, suite_id=suite_id)
    versions = list(
        suite_version_list(organization=organization, suite_id=suite.pk).select_related(
            "uploaded_by"
        )
    )
    context = {"suite": suite, "versions": versions, "latest": versions[0] if versions else None}
    return render_page(request, membership, "web/suites/detail.html", context)


@member_view(Role.EDITOR)
def suite_upload_page(
    request: HttpRequest, membership: Membership, suite_id: int | None = None
) -> HttpResponse:
    organization = membership.organization
    suite: Suite | None = None
    initial = None
    if suite_id is not None:
        suite = suite_get(organization=organization, suite_id=suite_id)
        initial = {"name": suite.name, "domain": suite.domain, "description": suite.description}
    unreadable = ""
    posted: Any = None
    uploaded: Any = None
    try:
        posted, uploaded = request.POST or None, request.FILES or None
    except MultiPartParserError as exc:
        # Django refuses some bodies before any view sees them (e.g. a file name whose part
        # headers exceed its limit): say so beside the form rather than answer a bare 400.
        posted, unreadable = {"name": ""}, f"The upload could not be read: {exc}"
    form = SuiteUploadForm(posted, uploaded, initial=initial)
    if unreadable:
        form.add_error(None, unreadable)
    if suite is not None:
        form.fields["name"].disabled = True  # a new version of this suite, not another suite
    refused: SuiteRefused | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = suite_upload(
                organization=organization,
                name=data["name"].strip(),
                # Unpacks an archive with hard caps; refuses odd files with their names.
                files=read_upload(data["upload"]),
                user=current_user(request),
                domain=data["domain"].strip(),
                description=data["description"],
            )
        except SuiteRefused as exc:
            refused = exc
        else:
            version = result.version
            if result.created:
                messages.success(request, f"Stored version {version.number} of “{data['name']}”.")
            else:
                messages.info(
                    request, f"Nothing new: this content is already version {version.number}."
                )
            return redirect("web:suite-detail", organization.slug, version.suite_id)
    context = {"form": form, "suite": suite, "refused": refused}
    return render_page(request, membership, "web/suites/upload.html", context)


@member_view()
def suite_preview(request: HttpRequest, membership: Membership, version_id: int) -> HttpResponse:
    """The first items of one task as the model will see them (an htmx fragment)."""
    version = suite_version_get(organization=membership.organization, version_id=version_id)
    tasks = [task["name"] for task in version.tasks]
    asked = request.GET.get("task", "")
    task = asked if asked in tasks else (tasks[0] if tasks else "")
    items, error = [], ""
    try:
        items = preview_items(unpack_files(bytes(version.bundle)), task, PREVIEW_ITEMS)
    except SuiteError as exc:
        error = str(exc)
    context = {"version": version, "tasks": tasks, "task": task, "items": items, "error": error}
    return render_page(request, membership, "web/suites/_preview.html", context)
