"""The CalDAV client against a real Radicale (tests/radicale.py): the check, writes that are
safe to repeat, removal, the time-range read, and the errors a coach reads."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from scheduler import caldav_client
from scheduler.caldav_client import CaldavError, calendar_check, event_delete, event_put, events_report, parse_xml

START = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)


def event(uid: str, start: datetime = START, summary: str = "Coaching") -> bytes:
    end = start + timedelta(hours=1)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{end:%Y%m%dT%H%M%SZ}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def login(radicale, **changes):
    return {"url": radicale.calendar_url, "username": radicale.username, "password": radicale.password, **changes}


def test_the_check_names_the_calendar(radicale):
    assert calendar_check(**login(radicale)) == "Sprechzeit test"


def test_a_wrong_password_is_refused_in_the_coachs_words(radicale):
    with pytest.raises(CaldavError) as refused:
        calendar_check(**login(radicale, password="wrong"))
    assert refused.value.permanent and not refused.value.unknown
    assert str(refused.value) == "The calendar refused the user name or password."
    with pytest.raises(CaldavError) as refused:
        event_put(**login(radicale, password="wrong"), href="a.ics", body=event("a"))
    assert refused.value.permanent
    assert radicale.events() == []


def test_an_address_that_is_no_calendar_is_refused(radicale):
    for url in (f"{radicale.url}/{radicale.username}/", f"{radicale.url}/{radicale.username}/nothing-here/"):
        with pytest.raises(CaldavError) as refused:
            calendar_check(**login(radicale, url=url))
        assert refused.value.permanent
        assert str(refused.value) == "No calendar at this address."


def test_a_server_that_is_down_is_tried_again(radicale):
    radicale.stop()
    with pytest.raises(CaldavError) as down:
        event_put(**login(radicale), href="a.ics", body=event("a"))
    assert not down.value.permanent and not down.value.unknown
    assert str(down.value) == "The calendar server did not answer."


def test_a_private_address_is_refused_unless_allowed(radicale, settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    with pytest.raises(CaldavError) as refused:
        calendar_check(**login(radicale))
    assert refused.value.permanent
    assert "private or local network" in str(refused.value)


def test_create_update_and_delete_leave_one_event_then_none(radicale):
    href, etag = event_put(**login(radicale), href="b1.ics", body=event("b1@test"))
    assert href == urlsplit(radicale.calendar_url).path + "b1.ics" and etag
    (stored,) = radicale.events()
    assert "UID:b1@test" in stored and "DTSTART:20300506T080000Z" in stored

    moved = START + timedelta(days=1)
    href2, etag2 = event_put(**login(radicale), href=href, body=event("b1@test", moved), etag=etag)
    assert href2 == href and etag2 != etag
    (stored,) = radicale.events()
    assert "DTSTART:20300507T080000Z" in stored

    event_delete(**login(radicale), href=href, etag=etag2)
    assert radicale.events() == []
    event_delete(**login(radicale), href=href)  # gone already: done


def test_a_create_whose_answer_was_lost_writes_over_the_event_it_made(radicale):
    event_put(**login(radicale), href="b2.ics", body=event("b2@test"))
    # The second attempt does not know the first was stored: no etag, If-None-Match fails.
    _href, etag = event_put(**login(radicale), href="b2.ics", body=event("b2@test", summary="Again"))
    (stored,) = radicale.events()
    assert "SUMMARY:Again" in stored and etag


def test_an_update_of_an_event_changed_in_the_calendar_app_writes_over_it(radicale):
    _href, first = event_put(**login(radicale), href="b3.ics", body=event("b3@test"))
    event_put(**login(radicale), href="b3.ics", body=event("b3@test", summary="Edited in the app"), etag=first)
    event_put(**login(radicale), href="b3.ics", body=event("b3@test", summary="Ours"), etag=first)  # stale etag
    (stored,) = radicale.events()
    assert "SUMMARY:Ours" in stored


def test_an_update_of_an_event_removed_in_the_calendar_app_writes_it_again(radicale):
    _href, etag = event_put(**login(radicale), href="b4.ics", body=event("b4@test"))
    event_delete(**login(radicale), href="b4.ics")
    event_put(**login(radicale), href="b4.ics", body=event("b4@test", summary="Back"), etag=etag)
    (stored,) = radicale.events()
    assert "SUMMARY:Back" in stored


def test_the_report_returns_the_events_of_the_range_only(radicale):
    event_put(**login(radicale), href="in.ics", body=event("in@test"))
    event_put(**login(radicale), href="later.ics", body=event("later@test", START + timedelta(days=40)))
    found = events_report(**login(radicale), start=START - timedelta(days=1), end=START + timedelta(days=7))
    assert len(found) == 1 and b"UID:in@test" in found[0]
    assert events_report(**login(radicale), start=START + timedelta(days=100), end=START + timedelta(days=101)) == []


def test_the_report_is_bounded(radicale, monkeypatch):
    monkeypatch.setattr(caldav_client, "MAX_BYTES", 300)
    event_put(**login(radicale), href="big.ics", body=event("big@test", summary="x" * 400))
    with pytest.raises(CaldavError) as too_large:
        events_report(**login(radicale), start=START - timedelta(days=1), end=START + timedelta(days=1))
    assert str(too_large.value) == "The calendar server's answer is too large."


def test_an_href_cannot_lead_to_another_server(radicale):
    with pytest.raises(CaldavError):
        event_put(**login(radicale), href="http://example.org/x.ics", body=event("x"))


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<d:multistatus xmlns:d="DAV:">&lol2;</d:multistatus>"""


@pytest.mark.parametrize(
    "body",
    [
        BOMB,
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
        BOMB.decode().encode("utf-16"),  # not hidden by another encoding
        b"<d:multistatus xmlns:d='DAV:'>",  # not well-formed
    ],
)
def test_xml_with_a_doctype_or_broken_is_refused(body):
    with pytest.raises(CaldavError) as refused:
        parse_xml(body)
    assert str(refused.value) == "The calendar server's answer could not be read."


def test_xml_names_carry_their_namespace():
    root = parse_xml(b'<d:a xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:b x="1">t</c:b></d:a>')
    assert root.tag == "{DAV:}a"
    assert root[0].tag == "{urn:ietf:params:xml:ns:caldav}b" and root[0].text == "t" and root[0].get("x") == "1"
