from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.me, name="me"),
    path("details/", views.me_details, name="me_details"),
    path("export.json", views.me_export_json, name="me_export_json"),
    path("export.ics", views.me_export_ics, name="me_export_ics"),
    path("feed/<str:token>/calendar.ics", views.me_feed, name="me_feed"),
    path("feed/rotate/", views.me_feed_rotate, name="me_feed_rotate"),
    path("delete/", views.me_delete, name="me_delete"),
]
