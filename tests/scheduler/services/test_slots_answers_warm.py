"""A change of a coach's availability has the worker compute their lately asked slot answers
again (services/slots_answers_warm.py): the next visitor is answered from the cache, and
never with what the change overtook."""

import json
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import transaction

from scheduler.models import Booking
from scheduler.outbox import queue
from scheduler.selectors import slots_answers
from scheduler.services import slots_answers_warm as warm
from scheduler.services.slots_answers_warm import slots_answers_warm
from tests.factories import BookingFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("slots_answers_kept")]

MONDAY = date.today() + timedelta(days=14 - date.today().weekday())
API = {"type": "coaching", "start": MONDAY.isoformat(), "end": MONDAY.isoformat(), "tz": "Europe/Berlin"}


@pytest.fixture
def coaching(anna_coaching):
    return anna_coaching


def at(hour: int) -> datetime:
    return datetime.combine(MONDAY, time(hour), tzinfo=BERLIN)


def api_answer(client) -> bytes:
    response = client.get("/api/coaches/anna/slots", API, headers={"accept-language": "en"})
    assert response.status_code == 200
    return response.content


def api_starts(content: bytes) -> list[str]:
    return [slot["start"][11:16] for day in json.loads(content)["days"] for slot in day["slots"]]


def page_times(client) -> list[str]:
    response = client.get(f"/anna/coaching/?day={MONDAY}&tz=Europe/Berlin", headers={"accept-language": "en"})
    assert response.status_code == 200
    page = response.content.decode().replace("%3A", ":")
    return [time for time in ("09:00", "10:00", "11:00") if f"start={MONDAY}T{time}" in page]


def test_after_a_booking_the_api_answer_is_computed_again_and_served_without_the_database(
    client, coaching, django_assert_num_queries
):
    assert api_starts(api_answer(client)) == ["09:00", "10:00", "11:00"]
    BookingFactory(appointment_type=coaching, start=at(10))

    assert slots_answers_warm(coach_id=coaching.coach_id) == 1

    with django_assert_num_queries(0):
        warmed = api_answer(client)
    assert api_starts(warmed) == ["09:00", "11:00"]
    cache.delete_many(list(slots_answers.slots_answer_recipes(coach_id=coaching.coach_id)))
    assert api_answer(client) == warmed  # the bytes of an answer computed by the API itself


def test_after_a_booking_the_booking_pages_slots_are_computed_again(client, coaching):
    assert page_times(client) == ["09:00", "10:00", "11:00"]
    BookingFactory(appointment_type=coaching, start=at(9))

    assert slots_answers_warm(coach_id=coaching.coach_id) == 1
    assert page_times(client) == ["10:00", "11:00"]


def test_answers_still_current_are_left_alone(client, coaching):
    api_answer(client)
    page_times(client)

    assert slots_answers_warm(coach_id=coaching.coach_id) == 0


def test_a_write_while_the_answer_is_computed_leaves_it_unused(client, coaching, monkeypatch):
    api_answer(client)
    BookingFactory(appointment_type=coaching, start=at(10))
    computed = warm.slots_bookable

    def computed_then_booked(**kwargs):
        slots = computed(**kwargs)
        BookingFactory(appointment_type=coaching, start=at(11))  # after the read, before the keep
        return slots

    monkeypatch.setattr(warm, "slots_bookable", computed_then_booked)
    slots_answers_warm(coach_id=coaching.coach_id)
    monkeypatch.undo()

    assert api_starts(api_answer(client)) == ["09:00"]


def test_a_type_no_longer_bookable_is_not_computed(client, coaching):
    api_answer(client)
    BookingFactory(appointment_type=coaching, start=at(10))
    coaching.active = False
    coaching.save()

    assert slots_answers_warm(coach_id=coaching.coach_id) == 0


def test_another_coachs_answers_are_not_computed(client, coaching):
    api_answer(client)
    other = CoachFactory(slug="ben")

    assert slots_answers_warm(coach_id=other.pk) == 0
    assert slots_answers.slots_answer_recipes(coach_id=other.pk) == {}


def test_only_the_most_recent_questions_are_noted(coaching, monkeypatch):
    monkeypatch.setattr(slots_answers, "RECIPES_KEPT", 2)
    for number in range(3):
        slots_answers._recipe_note(coach_id=coaching.coach_id, key=f"k{number}", recipe={"n": number})
    slots_answers._recipe_note(coach_id=coaching.coach_id, key="k1", recipe={"n": 1})  # asked again

    assert list(slots_answers.slots_answer_recipes(coach_id=coaching.coach_id)) == ["k2", "k1"]


@pytest.fixture
def queued(monkeypatch):
    """The coach ids the warming task was queued for."""
    sent: list[int] = []

    class Task:
        def delay(self, coach_id):
            sent.append(coach_id)

    monkeypatch.setattr(queue, "_task", lambda name: Task() if name == "warm_slots_answers" else None)
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_booking_queues_the_warming_once_after_it_commits(client, coaching, queued):
    api_answer(client)  # a visitor asked: there is something to compute
    queued.clear()  # the fixture's own writes, each committed
    with transaction.atomic():
        booking = BookingFactory(appointment_type=coaching, start=at(10))
        booking.status = Booking.Status.CANCELLED
        booking.save()
        assert queued == []  # not before the commit

    assert queued == [coaching.coach_id]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_queues_nothing_and_the_next_one_does(client, coaching, queued):
    api_answer(client)
    queued.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        BookingFactory(appointment_type=coaching, start=at(10))
        raise RuntimeError
    assert queued == []

    BookingFactory(appointment_type=coaching, start=at(11))
    assert queued == [coaching.coach_id]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_for_a_coach_nobody_asked_about(coaching, queued):
    BookingFactory(appointment_type=coaching, start=at(10))

    assert queued == []


@pytest.fixture
def published(monkeypatch):
    """Every task queued through outbox/queue.py: (name, args, kwargs)."""
    sent: list[tuple] = []

    class Task:
        def __init__(self, name):
            self.name = name

        def delay(self, *args, **kwargs):
            sent.append((self.name, args, kwargs))

    monkeypatch.setattr(queue, "_task", Task)
    return sent


BOOKING = {
    "type": "coaching",
    "name": "Eva Muster",
    "email": "eva@example.org",
    "channel": "email",
    "message": "Ich möchte über meinen nächsten beruflichen Schritt sprechen.",
    "privacy_consent": True,
}


@pytest.mark.django_db(transaction=True)
def test_a_booking_asks_for_its_messages_and_the_warming_in_one_task(client, coaching, published):
    api_answer(client)  # a visitor asked
    published.clear()
    response = client.post(
        "/api/coaches/anna/bookings", {**BOOKING, "start": at(10).isoformat()}, content_type="application/json"
    )
    assert response.status_code == 201, response.content

    ((name, (ids,), kwargs),) = published
    assert name == "send_notifications" and ids and kwargs == {"warm_coach_id": coaching.coach_id}


@pytest.mark.django_db(transaction=True)
def test_a_change_without_messages_still_queues_the_warming_alone(client, coaching, published):
    api_answer(client)
    published.clear()
    with transaction.atomic():
        booking = BookingFactory(appointment_type=coaching, start=at(10))  # the factory writes no messages
        booking.save()

    assert published == [("warm_slots_answers", (coaching.coach_id,), {})]


def test_the_messages_task_computes_the_answers_again_after_sending(client, coaching, django_assert_num_queries):
    from scheduler.tasks import send_notifications

    api_answer(client)
    BookingFactory(appointment_type=coaching, start=at(10))
    assert send_notifications([], warm_coach_id=coaching.coach_id) == []

    with django_assert_num_queries(0):
        assert api_starts(api_answer(client)) == ["09:00", "11:00"]
