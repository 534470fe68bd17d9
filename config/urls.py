from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_safe

from proposals.feeds import ProposalChanges, SiteChanges

admin.site.site_header = "Ceasefire Monitor administration"
admin.site.site_title = "Ceasefire Monitor admin"

urlpatterns = [
    path("", include("proposals.urls")),
    path("api/", include("proposals.api.urls")),
    path("feeds/changes.atom", require_safe(SiteChanges()), name="feed-changes"),
    path("proposals/<slug:slug>/feed.atom", require_safe(ProposalChanges()), name="proposal-feed"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

handler500 = "config.views.server_error"
