"""The coach's privacy notice at /<coach-slug>/privacy/: what clients agree to when they book."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..selectors.coaches import coaches
from .shared import speak_to_clients_of


@require_safe
def privacy_page(request, coach_slug):
    coach = get_object_or_404(coaches(), slug=coach_slug)
    speak_to_clients_of(coach)
    context = {"coach": coach, "notice": coach.privacy_notice(), "version": coach.privacy_version()}
    return render(request, "scheduler/privacy.html", context)
