"""Template filters for the coach's pages: the product's words as the coach reads them."""

from django import template

from ..phrases import CHANNEL_LABELS_FOR_COACH

register = template.Library()


@register.filter
def channel_for_coach(channel: str) -> str:
    """A channel in the coach's words ("You call the client", not "The coach calls you")."""
    return CHANNEL_LABELS_FOR_COACH.get(channel, channel)
