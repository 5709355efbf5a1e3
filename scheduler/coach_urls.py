"""The coach's workspace, mounted at /coach/ (namespace "coach")."""

from django.urls import include, path

app_name = "coach"

urlpatterns = [
    # One line per part of the workspace; each module keeps its own urlpatterns.
    path("", include("scheduler.views.coach.dashboard")),
    path("", include("scheduler.views.coach.bookings")),
    path("availability/", include("scheduler.views.coach.availability")),
    path("types/", include("scheduler.views.coach.types")),
    path("settings/", include("scheduler.views.coach.settings")),
    path("messages/", include("scheduler.views.coach.messages")),
    path("links/", include("scheduler.views.coach.links")),
    path("clients/", include("scheduler.views.coach.clients")),
    path("data-requests/", include("scheduler.views.coach.data_requests")),
    path("api-tokens/", include("coach_api.views")),
]
