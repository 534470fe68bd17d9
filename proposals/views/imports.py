"""Analysts import CSV files at /import/: upload, see what would change, then apply."""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..decorators import analyst_required
from ..exports import IMPORTABLE
from ..imports import (
    AlreadyApplied,
    ImportMoved,
    ImportPlan,
    ImportRefused,
    apply_batch,
    plan_import,
)
from ..models import ImportBatch


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[
            (kind, f"{kind.replace('_', ' ').capitalize()} ({kind.replace('_', '-')}.csv)")
            for kind in IMPORTABLE
        ],
    )
    file = forms.FileField(
        label="CSV file",
        help_text="A file like the site's CSV downloads: UTF-8, the same columns first.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB."
            )
        return upload


def page(request: HttpRequest, status: int = 200, **context) -> HttpResponse:
    context.setdefault("form", UploadForm())
    return render(request, "proposals/import.html", context, status=status)


def preview(
    request: HttpRequest, batch: ImportBatch, plan: ImportPlan, status: int = 200, **context
) -> HttpResponse:
    """What applying the batch would do; Apply writes it if nothing has moved meanwhile."""
    return page(
        request,
        status=422 if plan.errors else status,
        form=UploadForm(initial={"kind": batch.kind}),
        batch=batch,
        plan=plan,
        plan_counts=counts(plan),
        changed_rows=[row for row in plan.rows if row.action != "unchanged"],
        **context,
    )


def counts(plan) -> dict[str, int]:
    return {action: plan.count(action) for action in ("create", "update", "unchanged")}


@require_http_methods(["GET", "POST"])
@analyst_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return page(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return page(request, status=422, form=form)
    upload = form.cleaned_data["file"]
    content = upload.read()
    try:
        plan = plan_import(content, form.cleaned_data["kind"])
    except ImportRefused as refusal:
        return page(request, status=422, form=form, refusal=str(refusal))
    batch = ImportBatch(
        kind=form.cleaned_data["kind"],
        filename=upload.name[:255],
        content=content,
        uploaded_by=request.user,
        versions=plan.versions(),
    )
    if not plan.errors and (plan.count("create") or plan.count("update")):
        batch.save()  # only a file that can be applied is kept, and only until it is
    return preview(request, batch, plan)


@require_POST
@analyst_required
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user)
    try:
        batch, plan = apply_batch(batch.pk, request.user)
    except AlreadyApplied as applied:
        return page(request, status=409, already_applied=applied.batch)
    except ImportMoved as moved:
        # Someone changed what the file names since the preview: a fresh preview, to apply anew.
        return fresh_preview(request, batch, moved=moved.moved)
    except ImportRefused:
        return fresh_preview(request, batch)
    return page(request, applied=counts(plan), batch=batch)


@require_GET
@analyst_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """An uploaded file not yet applied (from the workspace), as applying it would go now."""
    batch = get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user, applied_at=None)
    try:
        plan = plan_import(bytes(batch.content), batch.kind)
    except ImportRefused as refusal:
        return page(request, status=422, refusal=str(refusal))
    # Apply checks the versions the upload's preview saw: if records moved since, it refuses
    # with a fresh preview, which this page says beforehand.
    return preview(request, batch, plan, stale_preview=plan.versions() != batch.versions)


def fresh_preview(request: HttpRequest, batch: ImportBatch, **context) -> HttpResponse:
    try:
        plan = plan_import(bytes(batch.content), batch.kind)
    except ImportRefused as refusal:
        return page(request, status=422, refusal=str(refusal))
    batch.versions = plan.versions()
    batch.save(update_fields=["versions"])
    return preview(request, batch, plan, status=409, **context)
