from django.contrib import admin
from django.urls import include, path

from scheduler.api import api
from scheduler.urls import fixed_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("coach/", include("scheduler.coach_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    *fixed_urlpatterns,
    path("", include("scheduler.urls")),
]
