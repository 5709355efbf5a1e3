"""Every parser of outside input, fed arbitrary and almost-right input: the result is a
valid value or the parser's documented error (ValidationError with a message; for a
calendar feed ImportFailed, and the import keeps the last good busy times), never
another exception and never a hang."""

import base64
import time as clock
from datetime import UTC, datetime, timedelta
from unittest import mock

import httpx
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scheduler.models import ExternalBusy, ExternalCalendar
from scheduler.services import external_calendars as calendar_import
from scheduler.services.external_calendars import ImportFailed
from scheduler.validators import THREEMA_ID, normalize_phone, normalize_threema_id, parse_openpgp_key
from tests.factories import AppointmentTypeFactory, CoachFactory
from tests.helpers import BERLIN

# Derandomized: the same examples on every run, so CI never fails on a new one by chance.
FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2), derandomize=True, database=None)
NOW = datetime(2026, 3, 16, 6, 0, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=1), NOW + timedelta(days=180))


def clean_error(error: ValidationError) -> None:
    """A message a person can read: there, one line, no Python or Rust internals."""
    assert error.messages and all(message.strip() for message in error.messages)
    for message in error.messages:
        assert "Traceback" not in message and "backtrace" not in message.lower()


# --- Phone numbers -----------------------------------------------------------

phone_like = st.from_regex(r"\A[+0(]?[0-9 ()/.\-]{0,25}\Z")


@FUZZ
@given(text=st.text(max_size=300) | phone_like, region=st.sampled_from(["DE", "AT", "US", "ZZ", "", "de"]))
@example(text="+49" + "1" * 300, region="DE")
def test_phone_is_e164_or_a_validation_error(text, region):
    try:
        number = normalize_phone(text, default_region=region)
    except ValidationError as error:
        clean_error(error)
    else:
        assert number.startswith("+") and number[1:].isdigit()
        assert normalize_phone(number) == number  # a normalised number stays as it is


# --- Threema IDs -------------------------------------------------------------


@FUZZ
@given(text=st.text(max_size=50) | st.from_regex(r"\A\s*[*a-zA-Z0-9]{6,10}\s*\Z"))
def test_threema_id_is_eight_characters_or_a_validation_error(text):
    try:
        threema_id = normalize_threema_id(text)
    except ValidationError as error:
        clean_error(error)
    else:
        assert THREEMA_ID.fullmatch(threema_id)
        assert normalize_threema_id(threema_id) == threema_id


# --- OpenPGP keys ------------------------------------------------------------


def armor(data: bytes, kind: str = "PUBLIC KEY BLOCK") -> str:
    lines = base64.b64encode(data).decode()
    body = "\n".join(lines[i : i + 64] for i in range(0, len(lines), 64))
    return f"-----BEGIN PGP {kind}-----\n\n{body}\n-----END PGP {kind}-----\n"


def dearmor(armored: str) -> bytes:
    lines = armored.strip().splitlines()
    return base64.b64decode("".join(line for line in lines[2:-1] if not line.startswith("=")))


@st.composite
def damaged_keys(draw, keys):
    """A real key, armored again after bytes were changed, cut off or added."""
    data = bytearray(dearmor(keys[draw(st.sampled_from(["valid", "sign_only", "expired", "revoked"]))]))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=20))
    return armor(bytes(data))


@settings(FUZZ, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_openpgp_key_is_usable_or_a_validation_error(openpgp_keys, data):
    text = data.draw(
        st.text(max_size=300)
        | st.binary(max_size=600).map(armor)
        | st.binary(max_size=200).map(lambda b: armor(b, "PRIVATE KEY BLOCK"))
        | damaged_keys(openpgp_keys)
        | st.sampled_from(["valid", "sign_only", "expired", "revoked"]).map(openpgp_keys.get)
    )
    try:
        key = parse_openpgp_key(text)
    except ValidationError as error:
        clean_error(error)
    else:
        assert len(key.fingerprint) == 40
        assert key.armored == text.strip()


# Found by the test above: a key whose self-signature is damaged parses, and reading its
# user IDs or expiry raised RuntimeError("No binding signature at time …").
KEY_WITHOUT_BINDING_SIGNATURE = """-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEAAvhABYJKwYBBAHaRw8BAQdAX2v7wxWe+okeQYgQD1EgABuBfz55u5zHDgMp
gWOS6IC0HE9sZCBDbGllbnQgPG9sZEBleGFtcGxlLm9yZz6IlgQTFggAPhYhBHTe
/dIS2xE5oqWFjvr9laH9RMOUBQJeC+EAAhsDBQkAyPCgBQsJCAcCBhUKCQgLAgQW
AgMBAh4BAheAAAoJEPr9laH9RMOUIhMA/iIZfRWHZqm9b3tbNl4Qbl8t5FIbdWHC
VNXkoePpuwcBAQCteTvfSPkMFlj6Bu4BCWxFl1FkCVd97BkAAAAAAAAAAA==
-----END PGP PUBLIC KEY BLOCK-----
"""


def test_a_key_with_a_damaged_self_signature_is_not_a_key():
    with pytest.raises(ValidationError, match="not an OpenPGP public key \\(No binding signature") as caught:
        parse_openpgp_key(KEY_WITHOUT_BINDING_SIGNATURE)
    clean_error(caught.value)


# --- Calendar feeds (ICS) ----------------------------------------------------

# Times near the window, where events are expanded, and far before it, where a rule's
# steps up to the window cost without giving anything.
near = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 9, 1))
moments = near | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1))
# How a time is written: floating, UTC, in a zone (also one nobody knows), a date.
FORMS = [
    ("", "%Y%m%dT%H%M%S"),
    ("", "%Y%m%dT%H%M%SZ"),
    (";TZID=Europe/Berlin", "%Y%m%dT%H%M%S"),
    (";TZID=America/New_York", "%Y%m%dT%H%M%S"),
    (";TZID=Mars/Olympus", "%Y%m%dT%H%M%S"),
    (";VALUE=DATE", "%Y%m%d"),
]
forms = st.sampled_from(FORMS)
wrong_times = st.sampled_from(["20261345T250000", "00000000", "2026-03-16T10:00:00", "99991231T235959Z", ""])


def time_property(name, moment, form):
    params, pattern = form
    return f"{name}{params}:{moment.strftime(pattern)}"


# Rule parts as feeds write them, with wrong, impossible (30 February) and huge values.
rule_parts = st.lists(
    st.one_of(
        st.integers(-1, 10**12).map(lambda n: f"COUNT={n}"),
        st.integers(-1, 10**6).map(lambda n: f"INTERVAL={n}"),
        st.builds(lambda moment, form: f"UNTIL={moment.strftime(form[1])}", moments, forms),
        st.lists(st.sampled_from(["MO", "TU", "FR", "1MO", "-1FR", "XX", "53SU"]), min_size=1, max_size=3).map(
            lambda days: "BYDAY=" + ",".join(days)
        ),
        st.integers(0, 13).map(lambda n: f"BYMONTH={n}"),
        st.integers(-32, 32).map(lambda n: f"BYMONTHDAY={n}"),
        st.integers(-367, 367).map(lambda n: f"BYYEARDAY={n}"),
        st.integers(-54, 54).map(lambda n: f"BYWEEKNO={n}"),
        st.integers(-3, 3).map(lambda n: f"BYSETPOS={n}"),
        st.lists(st.integers(0, 24), min_size=1, max_size=24).map(lambda h: "BYHOUR=" + ",".join(map(str, h))),
        st.lists(st.integers(0, 59), min_size=1, max_size=60).map(lambda m: "BYMINUTE=" + ",".join(map(str, m))),
    ),
    max_size=4,
)
rrules = st.builds(
    lambda freq, parts: ";".join([f"FREQ={freq}", *parts]),
    st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY", "NEVER"]),
    rule_parts,
)
# Whatever else a broken feed may hold, anywhere.
wild_properties = st.one_of(
    st.builds(
        lambda name, form, value: f"{name}{form[0]}:{value}",
        st.sampled_from(["DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"]),
        forms,
        wrong_times | st.text(max_size=12),
    ),
    st.sampled_from(["DURATION:-PT1H", "DURATION:P99999999W", "DURATION:P1Y", "DURATION:garbage", "RRULE:"]),
    st.builds(lambda name, value: f"{name}:{value}", st.sampled_from(["UID", "SUMMARY", "X-WHATEVER"]), st.text()),
)


@st.composite
def events(draw, depth=0):
    """A VEVENT as calendars write it, with a start, perhaps an end or a duration, a rule,
    exceptions, a status; sometimes with wrong properties or components inside."""
    start, form = draw(moments), draw(forms)
    lines = ["BEGIN:VEVENT", f"UID:{draw(st.text(max_size=300))}", time_property("DTSTART", start, form)]
    length = draw(st.timedeltas(min_value=timedelta(hours=-1), max_value=timedelta(days=3)))
    lines += draw(
        st.sampled_from(
            [
                [],
                [time_property("DTEND", start + length, form)],
                [time_property("DTEND", start + length, draw(forms))],
                [f"DURATION:PT{max(0, int(length.total_seconds()))}S"],
            ]
        )
    )
    if draw(st.booleans()):
        lines.append(f"RRULE:{draw(rrules)}")
        lines += [time_property("EXDATE", moment, form) for moment in draw(st.lists(moments, max_size=2))]
    if draw(st.booleans()):
        lines.append(time_property("RECURRENCE-ID", draw(moments), draw(forms)))
    lines += draw(st.lists(st.sampled_from(["STATUS:CANCELLED", "TRANSP:TRANSPARENT", "TRANSP:OPAQUE"]), max_size=1))
    if draw(st.integers(0, 5)) == 3:
        lines += draw(st.lists(wild_properties, min_size=1, max_size=2))
    if depth == 0 and draw(st.booleans()):
        nested = st.sampled_from(["BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nACTION:DISPLAY\r\nEND:VALARM"]) | events(depth=1)
        lines.append(draw(nested))
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


calendars = st.builds(
    lambda header, zones, parts, tail: "\r\n".join([header, *zones, *parts, tail]),
    st.sampled_from(["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN"] * 3 + ["BEGIN:VCALENDAR", "BEGIN:VEVENT"]),
    # Now and then a zone that cannot be read (it makes the whole feed unreadable).
    st.integers(0, 9).map(lambda n: [] if n != 3 else ["BEGIN:VTIMEZONE\r\nTZID:Mars/Olympus\r\nEND:VTIMEZONE"]),
    st.lists(events(), max_size=4),
    st.sampled_from(["END:VCALENDAR", "END:VCALENDAR", "", "END:VCALENDAR\r\nBEGIN:VCALENDAR"]),
)
well_formed = st.lists(events(), max_size=4).map(
    lambda parts: "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN", *parts, "END:VCALENDAR"])
)
feeds = st.one_of(
    st.binary(max_size=500),
    st.text(max_size=500).map(str.encode),
    well_formed.map(str.encode),
    calendars.map(str.encode),
    calendars.map(lambda text: text.encode("utf-16")),
)


def small_bounds():
    """The service's bounds on a feed's work, smaller: the same checks, quicker examples."""
    return mock.patch.multiple(calendar_import, MAX_RECURRENCE_STEPS=50_000, EXPANSION_SECONDS=1.0)


# A rule that never matches may still take a second to find that out (see MAX_RECURRENCE_STEPS).
FUZZ_FEEDS = settings(FUZZ, deadline=timedelta(seconds=5))
# dateutil warns of a rule with both COUNT and UNTIL, which the feeds above may hold.
count_and_until = pytest.mark.filterwarnings("ignore:Using both 'count' and 'until':DeprecationWarning")


@count_and_until
@FUZZ_FEEDS
@given(body=feeds)
def test_a_feed_is_busy_times_or_import_failed(body):
    try:
        with small_bounds():
            intervals = calendar_import._busy_intervals(body, BERLIN, *WINDOW)
    except ImportFailed as error:
        assert str(error).strip()
    else:
        for start, end, uid in intervals:
            assert start.tzinfo is not None and start < end
            assert end > WINDOW[0] and start < WINDOW[1]
            assert isinstance(uid, str) and len(uid) <= 255


@pytest.fixture
def calendar(db):
    coach = CoachFactory(time_zone="Europe/Berlin", language="en")
    AppointmentTypeFactory(coach=coach, horizon=timedelta(days=180))
    return ExternalCalendar.objects.create(coach=coach, name="Work", url="https://calendar.example.org/work.ics")


@count_and_until
@settings(FUZZ_FEEDS, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=feeds)
def test_an_import_keeps_the_last_good_busy_times_when_the_feed_is_broken(calendar, body):
    """Through the service, as Celery beat runs it: it never raises for a feed; a broken
    one leaves the busy times as they were and says why."""
    calendar.busy.all().delete()
    good = ExternalBusy.objects.create(
        coach=calendar.coach, calendar=calendar, start=NOW, end=NOW + timedelta(hours=1), source_uid="good"
    )
    with small_bounds(), mock.patch.object(calendar_import, "_fetch", return_value=(body, httpx.Headers())):
        count = calendar_import.external_calendar_import(calendar=calendar, now=NOW)
    calendar.refresh_from_db()
    assert calendar.last_attempt_at == NOW
    if calendar.last_error:
        assert list(calendar.busy.all()) == [good] and count == 1
    else:
        assert calendar.last_success_at == NOW
        assert calendar.busy.count() == count


# Found by the tests above: these feeds held a worker for minutes or hours (a rule is
# walked step by step from its first start; one that never matches to the year 9999).
def feed(*rules, start="20250301T090000Z"):
    events = [
        f"BEGIN:VEVENT\r\nUID:{n}@test\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\nEND:VEVENT"
        for n, rule in enumerate(rules)
    ]
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events, "END:VCALENDAR"]).encode()


@pytest.mark.parametrize(
    "body",
    [
        feed("FREQ=SECONDLY"),  # 47 million steps up to the end of the window
        feed("FREQ=MINUTELY;BYDAY=MO"),
        feed("FREQ=HOURLY", start="19600101T000000Z"),
        feed("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),  # never: walked to the year 9999
        feed(*["FREQ=DAILY"] * 60, start="20000101T000000Z"),  # 60 × 9,700 steps
    ],
)
def test_a_feed_that_repeats_too_often_is_refused_at_once(body):
    started = clock.monotonic()
    with pytest.raises(ImportFailed, match="too many events, or events that repeat too often"):
        calendar_import._busy_intervals(body, BERLIN, *WINDOW)
    assert clock.monotonic() - started < 1


@pytest.mark.parametrize("part", ["BYMONTH=13", "BYMONTHDAY=32", "BYYEARDAY=0", "BYHOUR=24", "INTERVAL=0"])
def test_a_rule_part_out_of_its_range_is_unreadable(part):
    started = clock.monotonic()
    with pytest.raises(ImportFailed, match="did not deliver a readable calendar"):
        calendar_import._busy_intervals(feed(f"FREQ=DAILY;{part}"), BERLIN, *WINDOW)
    assert clock.monotonic() - started < 1


def test_more_busy_times_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(calendar_import, "MAX_BUSY_INTERVALS", 30)
    assert (
        len(calendar_import._busy_intervals(feed("FREQ=DAILY;COUNT=30", start="20260316T090000Z"), BERLIN, *WINDOW))
        == 30
    )
    with pytest.raises(ImportFailed, match="too many events"):
        calendar_import._busy_intervals(feed("FREQ=DAILY;COUNT=31", start="20260316T090000Z"), BERLIN, *WINDOW)


def test_a_feed_that_takes_too_long_to_expand_is_refused(monkeypatch):
    # What the counts let through (a monthly rule that never matches takes about a second)
    # is bounded in time, between and within events.
    body = feed("FREQ=WEEKLY", "FREQ=MONTHLY")
    assert calendar_import._busy_intervals(body, BERLIN, *WINDOW)
    monkeypatch.setattr(calendar_import, "EXPANSION_SECONDS", 0.0)
    with pytest.raises(ImportFailed, match="too many events"):
        calendar_import._busy_intervals(body, BERLIN, *WINDOW)


def test_a_feed_that_repeats_too_often_keeps_the_last_good_busy_times(calendar):
    good = ExternalBusy.objects.create(
        coach=calendar.coach, calendar=calendar, start=NOW, end=NOW + timedelta(hours=1), source_uid="good"
    )
    with mock.patch.object(calendar_import, "_fetch", return_value=(feed("FREQ=SECONDLY"), httpx.Headers())):
        assert calendar_import.external_calendar_import(calendar=calendar, now=NOW) == 1
    calendar.refresh_from_db()
    assert "too many events" in calendar.last_error
    assert list(calendar.busy.all()) == [good]
