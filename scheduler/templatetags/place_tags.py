"""Where a booking's conversation happens, for pages whose views do not compute it (the
coach's booking page): `{% coach_place booking as place %}`."""

from django import template

from ..phrases import jitsi_host
from ..places import Place, booking_place

register = template.Library()


@register.simple_tag
def coach_place(booking) -> Place:
    """The place as the coach joins it: the video link with the coach's own token."""
    return booking_place(booking, for_coach=True)


@register.simple_tag
def video_host() -> str:
    return jitsi_host()
