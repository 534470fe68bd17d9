from django.urls import path

from .exports import FILES
from .views import (
    about,
    actors,
    browse,
    compare,
    data,
    dated,
    detail,
    editing,
    exports,
    history,
    imports,
    sources,
    workspace,
)

P = "proposals/<slug:slug>"

urlpatterns = [
    path("", browse.dashboard, name="dashboard"),
    path("proposals/", browse.proposal_list, name="proposal-list"),
    path("proposals/new/", editing.proposal_create, name="proposal-create"),
    path(f"{P}/", detail.proposal_detail, name="proposal-detail"),
    path(f"{P}/history/", history.proposal_history, name="proposal-history"),
    path(f"{P}/edit/", editing.proposal_edit, name="proposal-edit"),
    path(f"{P}/publish/", editing.proposal_publish, name="proposal-publish"),
    path(f"{P}/layers/new/", editing.layer_create, name="layer-create"),
    path(f"{P}/layers/<slug:kind>/edit/", editing.layer_edit, name="layer-edit"),
    path(f"{P}/layers/<slug:kind>/delete/", editing.layer_delete, name="layer-delete"),
    path(f"{P}/preconditions/new/", editing.precondition_create, name="precondition-create"),
    path(
        f"{P}/preconditions/<slug:precondition>/edit/",
        editing.precondition_edit,
        name="precondition-edit",
    ),
    path(
        f"{P}/preconditions/<slug:precondition>/status/",
        editing.precondition_status,
        name="precondition-status",
    ),
    path(
        f"{P}/preconditions/<slug:precondition>/delete/",
        editing.precondition_delete,
        name="precondition-delete",
    ),
    path(f"{P}/citations/new/", editing.citation_create, name="citation-create"),
    path(f"{P}/citations/<int:pk>/delete/", editing.citation_delete, name="citation-delete"),
    path(f"{P}/events/new/", editing.event_create, name="event-create"),
    path(f"{P}/events/<int:pk>/delete/", editing.event_delete, name="event-delete"),
    path(f"{P}/positions/new/", dated.position_create, name="position-create"),
    path(f"{P}/positions/<int:pk>/edit/", dated.position_edit, name="position-edit"),
    path(f"{P}/positions/<int:pk>/delete/", dated.position_delete, name="position-delete"),
    path(
        f"{P}/layers/<slug:kind>/commitments/new/",
        dated.commitment_create,
        name="commitment-create",
    ),
    path(f"{P}/commitments/<int:pk>/edit/", dated.commitment_edit, name="commitment-edit"),
    path(f"{P}/commitments/<int:pk>/delete/", dated.commitment_delete, name="commitment-delete"),
    path(f"{P}/status-changes/<int:pk>/edit/", dated.status_change_edit, name="status-change-edit"),
    path(
        f"{P}/status-changes/<int:pk>/delete/",
        dated.status_change_delete,
        name="status-change-delete",
    ),
    path(f"{P}/relations/new/", dated.relation_create, name="relation-create"),
    path(f"{P}/relations/<int:pk>/edit/", dated.relation_edit, name="relation-edit"),
    path(f"{P}/relations/<int:pk>/delete/", dated.relation_delete, name="relation-delete"),
    path("actors/", actors.actor_list, name="actor-list"),
    path("actors/<slug:slug>/", actors.actor_detail, name="actor-detail"),
    path("compare/", compare.compare, name="compare"),
    path("about/", about.about, name="about"),
    path("data/", data.data_home, name="data"),
    path("data/<str:filename>", data.release_download, name="data-release"),
    path("sources/<int:pk>/", sources.source_detail, name="source-detail"),
    path(
        "export/proposals.csv", exports.export_csv, {"kind": "proposals"}, name="export-proposals"
    ),
    path("export/layers.csv", exports.export_csv, {"kind": "layers"}, name="export-layers"),
    path(
        "export/preconditions.csv",
        exports.export_csv,
        {"kind": "preconditions"},
        name="export-preconditions",
    ),
    *[
        path(f"export/{name}.csv", exports.export_csv, {"kind": kind}, name=f"export-{name}")
        for name, kind in FILES.items()
        if kind not in {"proposals", "layers", "preconditions"}
    ],
    path("workspace/", workspace.workspace_home, name="workspace"),
    path("workspace/bulk/", workspace.workspace_bulk, name="workspace-bulk"),
    path("import/", imports.import_upload, name="import"),
    path("import/<int:pk>/", imports.import_preview, name="import-preview"),
    path("import/<int:pk>/apply/", imports.import_apply, name="import-apply"),
    path("healthz", browse.healthz, name="healthz"),
    path("favicon.ico", browse.favicon, name="favicon"),
]
