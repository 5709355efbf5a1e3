"""The coach's client a booking belongs to: found or made by its e-mail address, and its
stored details, which only a proved source changes."""

from ..models import Client, Coach
from ..models.common import CLIENT_CONTACT_FIELDS
from ..rows import rows_insert


def client_for(*, coach: Coach, cleaned: dict, proved: bool) -> Client:
    """The coach's client with this e-mail address.

    Its stored details change only from a proved source: a booker whose address is proved
    brings them up to date (one upsert; details given before are kept unless new ones are
    given). Anyone else can type any address, so an unproved booking creates a client with
    its name only and never changes an existing one: the booking keeps its own snapshot.
    A new client is one statement (its insert returns its id); a known one a second (the
    insert leaves it alone, and it is read)."""
    if proved:
        return client_details_update(coach=coach, email=cleaned["email"], details=cleaned)
    new = Client(coach=coach, email=cleaned["email"], name=cleaned["name"], language=cleaned["language"])
    if rows_insert([new], unless_conflict=("coach", "email")):
        return new
    # It exists (or another booking committed it meanwhile: this statement sees it).
    return Client.objects.get(coach=coach, email=cleaned["email"])


def client_details_update(*, coach: Coach, email: str, details: dict) -> Client:
    """Write a proved source's details (name, language, contact fields) into the coach's
    client with this address, creating it if need be."""
    given = [field for field in CLIENT_CONTACT_FIELDS if details.get(field)]
    client = Client(
        coach=coach,
        email=email,
        name=details["name"],
        language=details["language"],
        **{field: details.get(field, "") for field in CLIENT_CONTACT_FIELDS},
    )
    (client,) = Client.objects.bulk_create(
        [client], update_conflicts=True, unique_fields=["coach", "email"], update_fields=["name", "language", *given]
    )
    return client
