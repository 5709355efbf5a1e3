"""The coach's API tokens in the workspace (/coach/api-tokens/): make one (its secret shown
once, on the page the form's POST answers, never stored nor put in a message), list them
with their scope and last use, revoke one."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from scheduler.views.coach import coach_required, form_saved
from scheduler.views.shared import see_other

from .forms import CoachTokenForm
from .selectors import coach_token, coach_tokens
from .services import coach_token_create, coach_token_revoke

REVOKED = _("The token “%(name)s” is revoked: it works no more.")


def _page(request, form, *, secret: str = "", status: int = 200):
    context = {
        "section": "settings",
        "form": form,
        "tokens": coach_tokens(coach=request.coach),
        "secret": secret,
        "api_url": f"{settings.SITE_URL}/api/coach/bookings",
        "docs_url": f"{settings.SITE_URL}/api/docs",
    }
    return render(request, "coach/api_tokens/list.html", context, status=status)


@coach_required
@require_safe
def token_list(request):
    return _page(request, CoachTokenForm())


@coach_required
@require_POST
def token_create(request):
    form = CoachTokenForm(request.POST)
    made = []
    if form_saved(form, lambda: made.append(coach_token_create(coach=request.coach, **form.cleaned_data))):
        # The page answers the POST itself: the secret is in no redirect, session or message.
        return _page(request, CoachTokenForm(), secret=made[0][1], status=201)
    return _page(request, form, status=400)


@coach_required
@require_POST
def token_revoke(request, public_id):
    token = coach_token(coach=request.coach, public_id=public_id)
    if token is None:
        raise Http404
    coach_token_revoke(token=token)
    messages.success(request, REVOKED % {"name": token.name})
    return see_other(reverse("coach:api_tokens"))


urlpatterns = [
    path("", token_list, name="api_tokens"),
    path("new/", token_create, name="api_token_create"),
    path("<uuid:public_id>/revoke/", token_revoke, name="api_token_revoke"),
]
