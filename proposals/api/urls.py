from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

urlpatterns = [
    path("", views.Root.as_view(), name="api-root"),
    path("proposals/", views.ProposalList.as_view(), name="api-proposals"),
    path("proposals/<slug:slug>/", views.ProposalDetail.as_view(), name="api-proposal"),
    path("actors/", views.ActorList.as_view(), name="api-actors"),
    path("actors/<slug:slug>/", views.ActorDetail.as_view(), name="api-actor"),
    path("changes/", views.ChangeList.as_view(), name="api-changes"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads Swagger UI's settings as a script of its own: no inline script. Swagger
    # UI's style sheet draws its icons as data: images, which this page alone allows.
    path(
        "docs/",
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    re_path(r"^(?P<rest>.*)$", views.NotFoundView.as_view(), name="api-not-found"),
]
