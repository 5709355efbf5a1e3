from django.urls import path

from .framing import frameable
from .views import client_booking as manage
from .views import embed, feeds, keys, links, ops, privacy, public, webhooks

app_name = "scheduler"

# The coach's booking pages take every other top-level path, so they come last
# here and in config/urls.py. Those wrapped in `frameable` may be shown in a frame on the
# coach's website (embed.js); every other page refuses frames.
urlpatterns = [
    path("", public.home, name="home"),
    path("b/<str:token>/", manage.booking_detail, name="booking"),
    path("b/<str:token>/event.ics", manage.booking_ics, name="booking_ics"),
    path("b/<str:token>/cancel/", manage.booking_cancel, name="booking_cancel"),
    path("b/<str:token>/reschedule/", manage.booking_reschedule, name="booking_reschedule"),
    path("b/<str:token>/confirm/<str:address_token>/", manage.booking_address_confirm, name="booking_address_confirm"),
    # Single-use booking links (before the coach's pages: "l" is a reserved slug).
    path("l/<str:token>/", links.link_page, name="link"),
    path("l/<str:token>/<slug:type_slug>/", links.link_type_page, name="link_type"),
    path("<slug:coach_slug>/", frameable(public.coach_page), name="coach"),
    path("<slug:coach_slug>/busy.ics", feeds.busy_feed, name="busy_feed"),
    # Before the type pages: "privacy" is a reserved type address (RESERVED_TYPE_SLUGS).
    path("<slug:coach_slug>/privacy/", frameable(privacy.privacy_page), name="privacy"),
    path("<slug:coach_slug>/<slug:type_slug>/", frameable(public.type_page), name="type"),
    path("<slug:coach_slug>/<slug:type_slug>/booked/", frameable(embed.booked), name="type_booked"),
    # The booking form's "Find my key" button (a Web Key Directory lookup; books nothing).
    path("<slug:coach_slug>/<slug:type_slug>/key/", frameable(keys.key_lookup), name="type_key"),
]

fixed_urlpatterns = [
    path("embed.js", embed.embed_js, name="embed_js"),
    path("healthz", ops.healthz, name="healthz"),
    path("healthz/worker", ops.worker_check_create, name="worker_check_create"),
    path("healthz/worker/<int:check_id>", ops.worker_check_detail, name="worker_check_detail"),
    path("feeds/<str:token>/calendar.ics", feeds.coach_feed, name="coach_feed"),
    path("hooks/threema", webhooks.threema_callback, name="threema_callback"),
    path("hooks/whatsapp", webhooks.whatsapp_webhook, name="whatsapp_webhook"),
]
