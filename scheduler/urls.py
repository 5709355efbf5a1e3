from django.urls import path

from . import views

app_name = "scheduler"

# The coach's booking pages take every other top-level path, so they come last
# in config/urls.py.
urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:coach_slug>/", views.coach_page, name="coach"),
]

health_urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/worker", views.worker_check_create, name="worker_check_create"),
    path("healthz/worker/<int:check_id>", views.worker_check_detail, name="worker_check_detail"),
]
