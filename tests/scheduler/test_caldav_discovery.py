"""Finding the coach's calendars from a server's address, against a real Radicale."""

from urllib.parse import urlsplit

import httpx
import pytest

from scheduler.caldav_client import CaldavError
from scheduler.caldav_discovery import _same_site, calendars_find

TASKS_ONLY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>Tasks</D:displayname>
<C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>"""


def login(radicale, url):
    return {"url": url, "username": radicale.username, "password": radicale.password}


def test_a_calendars_own_address_is_that_calendar(radicale):
    assert calendars_find(**login(radicale, radicale.calendar_url)) == [(radicale.calendar_url, "Sprechzeit test")]


@pytest.mark.parametrize("path", ["", "/", "/{user}/"])
def test_the_servers_or_the_users_address_finds_the_event_calendars(radicale, path):
    tasks = f"{radicale.url}/{radicale.username}/tasks-{urlsplit(radicale.calendar_url).path.split('-')[-1]}"
    httpx.request("MKCALENDAR", tasks, content=TASKS_ONLY, auth=radicale.auth, timeout=10).raise_for_status()

    found = dict(calendars_find(**login(radicale, radicale.url + path.format(user=radicale.username))))

    assert found[radicale.calendar_url] == "Sprechzeit test"
    assert not [address for address in found if "/tasks-" in address]  # no events in it


def test_a_wrong_password_is_refused(radicale):
    with pytest.raises(CaldavError) as refused:
        calendars_find(url=radicale.url, username=radicale.username, password="wrong")
    assert str(refused.value) == "The calendar refused the user name or password."


@pytest.mark.parametrize(
    ("start", "other", "allowed"),
    [
        ("https://caldav.icloud.com/", "https://p52-caldav.icloud.com/123/calendars/", True),
        ("https://caldav.icloud.com/", "http://p52-caldav.icloud.com/", False),  # not over plain http
        ("https://caldav.icloud.com/", "https://evil.example/", False),
        ("https://dav.example.com/", "https://dav.example.com:8443/", False),
        ("https://example.com/", "https://x.com/", False),  # a top-level domain is no common site
        ("http://127.0.0.1:5232/", "http://127.0.0.1:5232/coach/", True),
    ],
)
def test_the_password_goes_only_where_the_address_leads(start, other, allowed):
    assert _same_site(start, other) is allowed
