from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from procure.accounts import views as account_views
from procure.web import views as web_views

admin.site.site_header = "procure administration"
admin.site.site_title = "procure"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("o/<slug:slug>/", include("procure.web.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("procure.api.urls")),
    path("account/tokens/", account_views.tokens, name="account-tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        account_views.token_revoke_view,
        name="account-token-revoke",
    ),
]

if settings.BENCH_BARE_VIEW:
    urlpatterns.append(path("bench/bare", web_views.bare, name="bench-bare"))
