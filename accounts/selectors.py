"""Reads of the accounts app."""

from .models import ClientProfile

# The stored details that are also fields of the booking form.
BOOKING_FORM_FIELDS = ("name", "phone", "threema_id", "whatsapp", "pgp_public_key", "language")


def booking_form_initial(user) -> dict:
    """What a signed-in client stored, to fill in the booking form; nothing for anyone else."""
    if not user.is_authenticated:
        return {}
    initial = {"email": user.email}
    profile = ClientProfile.objects.filter(user=user).first()
    if profile:
        initial.update({field: getattr(profile, field) for field in BOOKING_FORM_FIELDS if getattr(profile, field)})
    return initial
