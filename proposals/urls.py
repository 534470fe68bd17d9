from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("proposals/", views.proposal_list, name="proposal-list"),
    path("proposals/<slug:slug>/", views.proposal_detail, name="proposal-detail"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]
