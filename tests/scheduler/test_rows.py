"""rows_insert (scheduler/rows.py) writes what bulk_create would: every field of the model,
defaults and auto_now_add included, the ids of the rows in their order, and, given a unique
constraint's fields, nothing where the row exists."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduler.models import Client, Notification
from scheduler.rows import row_create, rows_insert
from tests.factories import BookingFactory, ClientFactory, CoachFactory

pytestmark = pytest.mark.django_db

Kind, Audience = Notification.Kind, Notification.Audience


def test_rows_are_written_with_every_field_and_their_ids_in_order():
    booking = BookingFactory(start=timezone.now() + timedelta(days=1))
    now = timezone.now()
    rows = [
        Notification(booking=booking, kind=Kind.CONFIRMED, channel="email", recipient="a@example.org"),
        Notification(
            booking=booking,
            kind=Kind.COACH_NEW_BOOKING,
            audience=Audience.COACH,
            channel="email",
            recipient="coach@example.org",
            sequence=3,
            scheduled_for=now + timedelta(hours=1),
            dispatched_at=now,
        ),
    ]
    created = rows_insert(rows)
    assert created == rows and all(row.pk and not row._state.adding for row in rows)
    for row in rows:
        stored = Notification.objects.get(pk=row.pk)
        for field in Notification._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(row, field.attname), field.name
    first, second = (Notification.objects.get(pk=row.pk) for row in rows)
    assert first.kind == Kind.CONFIRMED and first.status == Notification.Status.PENDING and first.uuid
    assert second.audience == Audience.COACH and second.sequence == 3 and second.dispatched_at == now
    assert first.created_at is not None and first.uuid != second.uuid


def test_a_row_that_exists_is_left_alone():
    coach = CoachFactory()
    known = ClientFactory(coach=coach, email="eva@example.org", name="Eva")
    again = Client(coach=coach, email="eva@example.org", name="Mallory", language="en")
    assert rows_insert([again], unless_conflict=("coach", "email")) == []
    assert again.pk is None
    assert Client.objects.get(pk=known.pk).name == "Eva" and Client.objects.count() == 1

    new = Client(coach=coach, email="new@example.org", name="Neu", language="de")
    assert rows_insert([new], unless_conflict=("coach", "email")) == [new]
    assert Client.objects.get(pk=new.pk).name == "Neu" and new.created_at is not None


def test_only_a_single_row_may_be_left_out():
    coach = CoachFactory()
    rows = [Client(coach=coach, email=f"{n}@example.org", name="N") for n in range(2)]
    with pytest.raises(ValueError):
        rows_insert(rows, unless_conflict=("coach", "email"))
    assert rows_insert([]) == []


def test_row_create_sends_the_signals_of_a_save():
    from django.db.models.signals import post_save, pre_save

    coach = CoachFactory()
    heard = []

    def pre(sender, instance, **kwargs):
        heard.append(("pre", instance.pk, kwargs["raw"], kwargs["update_fields"]))

    def post(sender, instance, created, **kwargs):
        heard.append(("post", instance.pk, created, instance._state.adding))

    pre_save.connect(pre, sender=Client, dispatch_uid="test-rows-pre")
    post_save.connect(post, sender=Client, dispatch_uid="test-rows-post")
    try:
        client = row_create(Client(coach=coach, email="eva@example.org", name="Eva"))
    finally:
        pre_save.disconnect(dispatch_uid="test-rows-pre", sender=Client)
        post_save.disconnect(dispatch_uid="test-rows-post", sender=Client)
    assert heard == [("pre", None, False, None), ("post", client.pk, True, False)]
    assert Client.objects.get(pk=client.pk).email == "eva@example.org"


@pytest.mark.postgres
def test_on_postgresql_several_rows_go_as_one_array_per_column_and_keep_their_order():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://…")
    booking = BookingFactory(start=timezone.now() + timedelta(days=1))
    rows = [
        Notification(booking=booking, kind=Kind.REMINDER, channel="email", recipient=f"{n}@example.org", sequence=n)
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        rows_insert(rows)
    (statement,) = queries.captured_queries
    assert "SELECT * FROM UNNEST(" in statement["sql"]
    for n, row in enumerate(rows):
        stored = Notification.objects.get(pk=row.pk)
        assert (stored.recipient, stored.sequence, stored.uuid) == (f"{n}@example.org", n, row.uuid)
