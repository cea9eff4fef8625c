"""The console's CSV import pages: upload → column mapping with a preview → progress → report.

Anyone in the organization may look (analysts included); admins and owners upload, start and
cancel. Every page shows the console's current mode (test or live data) only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.access import ConsoleRequest, console_view, request_actor
from accounts.enums import Role, role_at_least
from imports.enums import ACTIVE_STATUSES, ImportFormat, ImportStatus
from imports.exceptions import ImportRefused
from imports.forms import MappingForm, UploadForm
from imports.models import Import
from imports.selectors import (
    import_list,
    import_preview,
    import_row_errors,
    import_row_errors_iter,
    import_same_file_before,
)
from imports.services import column_mapping, import_cancel, import_start, import_upload

LIST_TEMPLATE = "console/imports.html"
TEMPLATE = "console/import.html"
# Spreadsheets run cells that start with these as formulas.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _import(request: ConsoleRequest, import_id: str) -> Import:
    return get_object_or_404(
        Import.objects.for_org(request.organization, livemode=request.livemode).select_related(
            "organization", "created_by"
        ),
        public_id=import_id,
    )


def _can_manage(request: ConsoleRequest) -> bool:
    return role_at_least(request.membership.role, Role.ADMIN)


def _list_context(request: ConsoleRequest, form: UploadForm | None = None) -> dict[str, Any]:
    return {
        "imports": import_list(organization=request.organization, livemode=request.livemode),
        "upload_form": form or UploadForm(),
        "can_manage": _can_manage(request),
    }


def _page_context(request: ConsoleRequest, upload: Import, form: MappingForm | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "upload": upload,
        "can_manage": _can_manage(request),
        "active": upload.status in ACTIVE_STATUSES,
        "same_file_before": import_same_file_before(upload=upload),
        "row_errors": import_row_errors(upload=upload) if upload.rows_failed else [],
    }
    if upload.status == ImportStatus.UPLOADED and context["can_manage"]:
        form = form or MappingForm(upload=upload)
        context["form"] = form
        context |= _preview_context(upload, form)
    return context


def _preview_context(upload: Import, form: MappingForm) -> dict[str, Any]:
    choice = form.choice() if form.is_bound and form.is_valid() else None
    if form.is_bound and choice is None:
        return {"preview": [], "preview_error": "Choose one of the offered columns for each field."}
    try:
        mapping = column_mapping(upload, choice)
    except ImportRefused as exc:
        return {"preview": [], "preview_error": exc.message}
    return {"preview": import_preview(upload=upload, mapping=mapping), "preview_error": ""}


@require_GET
@console_view()
def imports(request: ConsoleRequest) -> HttpResponseBase:
    return render(request, LIST_TEMPLATE, _list_context(request))


@require_POST
@console_view(min_role=Role.ADMIN)
def import_upload_view(request: ConsoleRequest) -> HttpResponseBase:
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        chosen = form.cleaned_data["format"]
        try:
            upload = import_upload(
                organization=request.organization,
                livemode=request.livemode,
                actor=request_actor(request),
                file_name=file.name or "",
                source=file,
                import_format=ImportFormat(chosen) if chosen else None,
            )
        except ImportRefused as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                f"{upload.file_name} is uploaded as a {upload.get_format_display()}. Check the columns, then start.",
            )
            return redirect("console:import", import_id=upload.public_id)
    return render(request, LIST_TEMPLATE, _list_context(request, form), status=422)


@require_GET
@console_view()
def import_detail(request: ConsoleRequest, import_id: str) -> HttpResponseBase:
    upload = _import(request, import_id)
    return render(request, TEMPLATE, _page_context(request, upload))


@require_POST
@console_view(min_role=Role.ADMIN)
def import_preview_view(request: ConsoleRequest, import_id: str) -> HttpResponseBase:
    upload = _import(request, import_id)
    if upload.status != ImportStatus.UPLOADED:
        return redirect("console:import", import_id=upload.public_id)
    form = MappingForm(request.POST, upload=upload)
    if request.htmx:
        return render(request, f"{TEMPLATE}#preview", {"upload": upload, **_preview_context(upload, form)})
    return render(request, TEMPLATE, _page_context(request, upload, form))


@require_POST
@console_view(min_role=Role.ADMIN)
def import_start_view(request: ConsoleRequest, import_id: str) -> HttpResponseBase:
    upload = _import(request, import_id)
    form = MappingForm(request.POST, upload=upload)
    if form.is_valid():
        try:
            import_start(upload=upload, choice=form.choice(), actor=request_actor(request))
        except ImportRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Importing {upload.file_name}. You can leave this page: the import goes on.")
            return redirect("console:import", import_id=upload.public_id)
    upload.refresh_from_db()
    return render(request, TEMPLATE, _page_context(request, upload, form), status=422)


@require_GET
@console_view()
def import_progress(request: ConsoleRequest, import_id: str) -> HttpResponseBase:
    upload = _import(request, import_id)
    if not request.htmx:
        return redirect("console:import", import_id=upload.public_id)
    context = {
        "upload": upload,
        "can_manage": _can_manage(request),
        "active": upload.status in ACTIVE_STATUSES,
        "row_errors": import_row_errors(upload=upload) if upload.rows_failed else [],
    }
    return render(request, f"{TEMPLATE}#progress", context)


@require_POST
@console_view(min_role=Role.ADMIN)
def import_cancel_view(request: ConsoleRequest, import_id: str) -> HttpResponseBase:
    upload = _import(request, import_id)
    if import_cancel(upload=upload, actor=request_actor(request)):
        messages.success(request, f"The import of {upload.file_name} was cancelled; what it recorded stays.")
    else:
        messages.error(request, "This import had finished: there was nothing to cancel.")
    return redirect("console:import", import_id=upload.public_id)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


@require_GET
@console_view()
def import_errors_csv(request: ConsoleRequest, import_id: str) -> HttpResponseBase:
    upload = _import(request, import_id)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(["row", "field", "error", "row_content"])
        for error in import_row_errors_iter(upload=upload):
            yield writer.writerow([error.row_number, error.field, _safe(error.message), _safe(error.raw)])

    name = upload.file_name.rsplit(".", 1)[0].replace('"', "") or "import"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-errors.csv"'
    return response
