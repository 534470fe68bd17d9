"""Analysts import CSV files at /import/: upload, see what would change, then apply."""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ..decorators import analyst_required
from ..exports import KINDS
from ..imports import ImportRefused, apply_import, plan_import
from ..models import ImportBatch


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[(kind, f"{kind.capitalize()} ({kind}.csv)") for kind in KINDS],
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


def preview(request: HttpRequest, batch: ImportBatch, form=None) -> HttpResponse:
    try:
        plan = plan_import(bytes(batch.content), batch.kind)
    except ImportRefused as refusal:
        form = form or UploadForm(initial={"kind": batch.kind})
        return render(
            request, "proposals/import.html", {"form": form, "refusal": str(refusal)}, status=422
        )
    return render(
        request,
        "proposals/import.html",
        {
            "form": form or UploadForm(initial={"kind": batch.kind}),
            "batch": batch,
            "plan": plan,
            "plan_counts": counts(plan),
            "changed_rows": [row for row in plan.rows if row.action != "unchanged"],
        },
        status=422 if plan.errors else 200,
    )


def counts(plan) -> dict[str, int]:
    return {action: plan.count(action) for action in ("create", "update", "unchanged")}


@require_http_methods(["GET", "POST"])
@analyst_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "proposals/import.html", {"form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "proposals/import.html", {"form": form}, status=422)
    upload = form.cleaned_data["file"]
    batch = ImportBatch.objects.create(
        kind=form.cleaned_data["kind"],
        filename=upload.name[:255],
        content=upload.read(),
        uploaded_by=request.user,
    )
    return preview(request, batch, form)


@require_POST
@analyst_required
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk, applied_at__isnull=True)
    try:
        plan = plan_import(bytes(batch.content), batch.kind)  # checked again: data may have moved
        apply_import(plan, user=request.user)
    except ImportRefused:
        return preview(request, batch)
    batch.applied_at = timezone.now()
    batch.content = b""  # applied: the history keeps what changed
    batch.save(update_fields=["applied_at", "content"])
    return render(
        request,
        "proposals/import.html",
        {"applied": counts(plan), "batch": batch, "form": UploadForm()},
    )
