"""Reads of the accounts app."""

import hmac
from dataclasses import dataclass

from allauth.mfa.models import Authenticator

from scheduler.models.coach import Coach
from scheduler.models.common import CLIENT_CONTACT_FIELDS

from .models import ClientProfile

# The stored details that are also fields of the booking form.
BOOKING_FORM_FIELDS = ("name", *CLIENT_CONTACT_FIELDS, "language")


def client_profile_by_feed_token(token: str) -> ClientProfile | None:
    """The profile whose calendar feed this is, of an active user; compared in constant time."""
    profile = ClientProfile.objects.select_related("user").filter(feed_token=token, user__is_active=True).first()
    if profile is None or not hmac.compare_digest(profile.feed_token.encode(), token.encode()):
        return None
    return profile


def booking_form_initial(user) -> dict:
    """What a signed-in client stored, to fill in the booking form; nothing for anyone else."""
    if not user.is_authenticated:
        return {}
    initial = {"email": user.email}
    profile = ClientProfile.objects.filter(user=user).first()
    if profile:
        initial.update({field: getattr(profile, field) for field in BOOKING_FORM_FIELDS if getattr(profile, field)})
    return initial


@dataclass(frozen=True)
class SignInMethods:
    """How a user can sign in besides the password: what the security pages show."""

    totp: bool
    passkeys: int
    recovery_codes_left: int


def user_sign_in_methods(*, user) -> SignInMethods:
    kinds = Authenticator.objects.filter(user=user)
    recovery = next((a for a in kinds if a.type == Authenticator.Type.RECOVERY_CODES), None)
    return SignInMethods(
        totp=any(a.type == Authenticator.Type.TOTP for a in kinds),
        passkeys=sum(a.type == Authenticator.Type.WEBAUTHN for a in kinds),
        recovery_codes_left=len(recovery.wrap().get_unused_codes()) if recovery else 0,
    )


def user_is_coach(*, user) -> bool:
    return user.is_authenticated and Coach.objects.filter(user=user).exists()
