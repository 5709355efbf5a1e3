from django.urls import path

from . import views

app_name = "scheduler"

# The coach's booking pages take every other top-level path, so they come last
# here and in config/urls.py.
urlpatterns = [
    path("", views.home, name="home"),
    path("b/<str:token>/", views.booking_detail, name="booking"),
    path("b/<str:token>/event.ics", views.booking_ics, name="booking_ics"),
    path("b/<str:token>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("b/<str:token>/reschedule/", views.booking_reschedule, name="booking_reschedule"),
    path("<slug:coach_slug>/", views.coach_page, name="coach"),
    path("<slug:coach_slug>/<slug:type_slug>/", views.type_page, name="type"),
]

health_urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/worker", views.worker_check_create, name="worker_check_create"),
    path("healthz/worker/<int:check_id>", views.worker_check_detail, name="worker_check_detail"),
]
