"""The coach's CalDAV calendar over plain HTTP (RFC 4791): checking the address, writing
and removing a booking's event, and reading events in a time range.

Every request goes through safe_http (public addresses only unless
CALENDAR_IMPORT_ALLOW_PRIVATE, as the ICS import; a timeout; a bounded answer), with
basic auth. Answers are XML, parsed with the standard library's expat, which refuses a
document type declaration outright: entities are what an XML bomb is made of, and CalDAV
needs none.

A write is safe to repeat: an event is created with `If-None-Match: *` and updated with
`If-Match`, and when the condition fails (an earlier attempt was stored but its answer
lost; the coach changed the event in their calendar app) the current version is read and
written over, so the calendar ends with exactly one event of the booking's UID.

Errors are CaldavErrors with a message for the coach in the active language."""

import base64
import logging
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from . import safe_http

logger = logging.getLogger("sprechzeit.caldav")

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
# The whole answer of a REPORT, as the ICS import bounds a feed; one event far less.
MAX_BYTES = 5 * 1024 * 1024
# Create, then (the condition failed) read the version and write over it, once more if the
# event changed again in between: then give up for now (the outbox tries again later).
MAX_WRITES = 3

PROPFIND_CALENDAR = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>"""
PROPFIND_ETAG = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"""
REPORT = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
<c:time-range start="{start}" end="{end}"/>
</c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


class CaldavError(Exception):
    """The calendar did not do what was asked. `permanent`: trying again cannot help (wrong
    password, no calendar there); else it may (the server is down). `unknown` as in
    channels.base.DeliveryError; a CalDAV write is safe to repeat, so it is never set here."""

    def __init__(self, message: str, *, permanent: bool = False, unknown: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.unknown = unknown


def _refused_login() -> CaldavError:
    return CaldavError(_("The calendar refused the user name or password."), permanent=True)


def _no_calendar() -> CaldavError:
    return CaldavError(_("No calendar at this address."), permanent=True)


def _no_answer() -> CaldavError:
    return CaldavError(_("The calendar server did not answer."))


def _fetch_failure(exc: safe_http.FetchError) -> CaldavError:
    if isinstance(exc, safe_http.PrivateAddress):
        return CaldavError(
            _("The calendar address points to a private or local network. Only public addresses can be used."),
            permanent=True,
        )
    if isinstance(exc, safe_http.NameNotFound):
        return CaldavError(
            _("The calendar's server name could not be found. Please check the address."), permanent=True
        )
    if isinstance(exc, (safe_http.BadScheme, safe_http.InvalidAddress)):
        return CaldavError(_("The calendar address is not valid. Please check it."), permanent=True)
    if isinstance(exc, safe_http.TooLarge):
        return CaldavError(_("The calendar server's answer is too large."))
    return _no_answer()  # timed out, refused, reset: it may answer later


def caldav_request(
    method: str, url: str, *, username: str, password: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> safe_http.Fetched:
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    try:
        return safe_http.request(
            method,
            url,
            timeout=settings.CALENDAR_IMPORT_TIMEOUT,
            max_bytes=MAX_BYTES,
            allow_private=settings.CALENDAR_IMPORT_ALLOW_PRIVATE,
            headers={
                "Authorization": f"Basic {credentials}",
                "User-Agent": "Sprechzeit calendar",
                **(headers or {}),
            },
            content=body,
        )
    except safe_http.FetchError as exc:
        # The exception's chain holds the request, and with it the password: dropped.
        logger.warning("CalDAV %s failed: %s", method, type(exc).__name__)
        raise _fetch_failure(exc) from None


def refusal(status: int) -> CaldavError:
    """What an answer that is no success means for the coach."""
    if status == 401:
        return _refused_login()
    if status == 403:
        return CaldavError(_("The calendar does not let this user name write or read it."), permanent=True)
    if status in (404, 405, 409):  # nothing there, not a collection, no collection to put into
        return _no_calendar()
    if status in (301, 302, 303, 307, 308):
        return CaldavError(
            _("The calendar address leads elsewhere. Please give the calendar's own address."), permanent=True
        )
    permanent = 400 <= status < 500 and status not in (408, 423, 429)
    return CaldavError(
        _("The calendar server answered with error %(status)s.") % {"status": status}, permanent=permanent
    )


class _NoDoctype(Exception):
    pass


def _refuse(*args):
    raise _NoDoctype


def parse_xml(body: bytes) -> Element:
    """The document's root, names as {namespace}local. A document type declaration (and
    with it every entity) is refused; so is XML that is not well-formed."""
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse

    def name(raw: str) -> str:
        namespace, _sep, local = raw.rpartition(" ")
        return f"{{{namespace}}}{local}" if namespace else local

    parser.StartElementHandler = lambda tag, attributes: builder.start(
        name(tag), {name(key): value for key, value in attributes.items()}
    )
    parser.EndElementHandler = lambda tag: builder.end(name(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
        return builder.close()
    except (expat.ExpatError, _NoDoctype, AssertionError):
        raise CaldavError(_("The calendar server's answer could not be read.")) from None


def multistatus(body: bytes) -> list[tuple[str, Element]]:
    """(href, the prop element of its 200 propstat) of a multistatus answer."""
    root = parse_xml(body)
    found = []
    for response in root.iter(f"{{{DAV}}}response"):
        href = (response.findtext(f"{{{DAV}}}href") or "").strip()
        for propstat in response.iter(f"{{{DAV}}}propstat"):
            status = propstat.findtext(f"{{{DAV}}}status") or ""
            prop = propstat.find(f"{{{DAV}}}prop")
            if prop is not None and " 200 " in f"{status} ":
                found.append((href, prop))
    return found


def _propfind_itself(url: str, *, username: str, password: str, body: bytes):
    """PROPFIND of the resource at `url` itself (Depth 0) for the properties `body` names."""
    return caldav_request(
        "PROPFIND",
        url,
        username=username,
        password=password,
        headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
        body=body,
    )


def calendar_check(*, url: str, username: str, password: str) -> str:
    """The calendar's display name ("" when it has none). Raises CaldavError when the login
    is refused or the address is not a calendar."""
    answer = _propfind_itself(url, username=username, password=password, body=PROPFIND_CALENDAR)
    if answer.status != 207:
        raise refusal(answer.status)
    for _href, prop in multistatus(answer.body):
        if prop.find(f"{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is not None:
            return (prop.findtext(f"{{{DAV}}}displayname") or "").strip()
    raise _no_calendar()


def _event_url(url: str, href: str) -> str:
    """The event's address: `href` is its name in the calendar or its path on the server.
    It stays on the calendar's server, whatever `href` says."""
    base = url if url.endswith("/") else url + "/"
    resolved = urljoin(base, href)
    if urlsplit(resolved)[:2] != urlsplit(base)[:2]:
        raise CaldavError(_("The calendar address is not valid. Please check it."), permanent=True)
    return resolved


def _current_etag(event_url: str, *, username: str, password: str) -> str | None:
    """The event's version on the server now; None when it is not there."""
    answer = _propfind_itself(event_url, username=username, password=password, body=PROPFIND_ETAG)
    if answer.status in (404, 410):
        return None
    if answer.status != 207:
        raise refusal(answer.status)
    for _href, prop in multistatus(answer.body):
        etag = (prop.findtext(f"{{{DAV}}}getetag") or "").strip()
        if etag:
            return etag
    return ""


def event_put(*, url: str, username: str, password: str, href: str, body: bytes, etag: str = "") -> tuple[str, str]:
    """Write the event at `href` in the calendar at `url`; returns (its path on the
    server, its new etag). With `etag` an update of that version, else a creation; when
    the server's version differs (see the module's docstring) it is written over."""
    event_url = _event_url(url, href)
    for _write in range(MAX_WRITES):
        condition = {"If-Match": etag} if etag else {"If-None-Match": "*"}
        answer = caldav_request(
            "PUT",
            event_url,
            username=username,
            password=password,
            headers={"Content-Type": "text/calendar; charset=utf-8", **condition},
            body=body,
        )
        if answer.status in (200, 201, 204):
            new_etag = answer.headers.get("etag", "")
            if not new_etag:  # the server need not say (RFC 4791 5.3.4): ask
                new_etag = _current_etag(event_url, username=username, password=password) or ""
            return urlsplit(event_url).path, new_etag
        if answer.status != 412:
            raise refusal(answer.status)
        # There is an event (a create's lost answer) or not the version we wrote (changed in
        # the calendar app, or removed there): take the server's version and write over it.
        etag = _current_etag(event_url, username=username, password=password) or ""
    raise CaldavError(_("The event kept changing in the calendar while it was written; it is tried again later."))


def event_delete(*, url: str, username: str, password: str, href: str, etag: str = "") -> None:
    """Remove the event; one that is not there (any more) counts as removed. `etag` is
    not sent as a condition: the booking is gone, whatever the event says now."""
    answer = caldav_request("DELETE", _event_url(url, href), username=username, password=password)
    if answer.status in (200, 202, 204, 404, 410):
        return
    raise refusal(answer.status)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def events_report(*, url: str, username: str, password: str, start: datetime, end: datetime) -> list[bytes]:
    """Every event of the calendar that overlaps [start, end) (a calendar-query REPORT
    with a VEVENT time-range), as each resource's iCalendar text. The whole answer is
    bounded by MAX_BYTES."""
    answer = caldav_request(
        "REPORT",
        url,
        username=username,
        password=password,
        headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        body=REPORT.format(start=_utc(start), end=_utc(end)).encode(),
    )
    if answer.status != 207:
        raise refusal(answer.status)
    events = []
    for _href, prop in multistatus(answer.body):
        data = prop.findtext(f"{{{CALDAV}}}calendar-data")
        if data and data.strip():
            events.append(data.encode())
    return events
