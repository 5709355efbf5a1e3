"""The coach's workspace under /coach/: only for a logged-in coach, and only that
coach's data. Another coach's object is a 404, never a 403 that would confirm it exists.

One module per part (dashboard, bookings, availability, types, settings), each with
its own `urlpatterns`, gathered in `scheduler/coach_urls.py`.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from ...models import Coach


def coach_required(view):
    """Log in first; then `request.coach` is the user's coach (a 404 for anyone else),
    and times render in the coach's own time zone."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            coach = request.user.coach
        except Coach.DoesNotExist:
            raise Http404 from None
        request.coach = coach
        with timezone.override(coach.zone):
            return view(request, *args, **kwargs)

    return wrapper
