from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from scheduler.api import api
from scheduler.urls import fixed_urlpatterns

# The admin logs in through allauth, so its login has the coach's second factor too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("coach/", include("scheduler.coach_urls")),
    path("me/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    *fixed_urlpatterns,
    path("", include("scheduler.urls")),
]
