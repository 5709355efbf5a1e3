"""The coach's workspace under /coach/: only for a logged-in coach, and only that
coach's data. Another coach's object is a 404, never a 403 that would confirm it exists.

One module per part (dashboard, bookings, availability, types, settings), each with
its own `urlpatterns`, gathered in `scheduler/coach_urls.py`; here what they share.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from ...models import Coach
from ..shared import add_service_errors


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


def form_saved(form, save) -> bool:
    """Whether a form sent is valid and its service took it (`save()`). What the service
    refuses (a ValidationError) lands at the form's fields, to show the form again."""
    if not form.is_valid():
        return False
    try:
        save()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True
