"""Writes of coaches and of the operator's checks."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Coach, WorkerCheck, new_token


def worker_check_request() -> WorkerCheck:
    """Record a worker check and queue it; a worker answers it once it is committed."""
    from ..tasks import answer_worker_check

    with transaction.atomic():
        check = WorkerCheck.objects.create()
        answer_worker_check.delay_on_commit(check.pk)
    return check


def worker_check_answer(*, check_id: int, worker: str) -> None:
    # Conditional update: a redelivered task leaves the first answer in place.
    WorkerCheck.objects.filter(pk=check_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker=worker[:255]
    )


def coach_create(
    *,
    email: str,
    password: str | None,
    display_name: str,
    slug: str,
    time_zone: str = "Europe/Berlin",
    language: str = "de",
    operator: bool = False,
) -> Coach:
    """A coach with a login whose e-mail address counts as verified.

    `operator` makes the coach a superuser, for a single-coach site run by the coach.
    Raises ValidationError (per field) for a taken e-mail or slug, a bad zone or password.
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    errors = {}
    if user_model.objects.filter(email__iexact=email).exists():
        errors["email"] = _("A user with this e-mail address exists already.")
    if password is not None:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = exc.messages
    coach = Coach(display_name=display_name, slug=slug, time_zone=time_zone, language=language)
    try:
        coach.full_clean(exclude=["user"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = user_model.objects.create_user(email=email, password=password, is_staff=operator, is_superuser=operator)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        coach.user = user
        coach.save()
    return coach


def coach_feed_rotate(*, coach: Coach) -> Coach:
    """A new private feed address; the old one stops working at once."""
    coach.feed_token = new_token()
    coach.save(update_fields=["feed_token"])
    return coach


def coach_feed_url(*, coach: Coach) -> str:
    return settings.SITE_URL + reverse("coach_feed", kwargs={"token": coach.feed_token})
