from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from procure.web import views as web_views

admin.site.site_header = "procure administration"
admin.site.site_title = "procure"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
