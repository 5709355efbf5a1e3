"""Finding a coach's CalDAV calendars from the server's address (RFC 6764, RFC 4791 6.2.1):
iCloud shows only https://caldav.icloud.com/, and many users of Nextcloud, Fastmail or
mailbox.org know only their server's address, not a calendar's.

The steps: the address itself when it is a calendar; else (for an address without a path,
after /.well-known/caldav) the user's principal (current-user-principal), its
calendar-home-set, and the collections in it that are calendars for events. Every request
is caldav_client's (safe_http's checks, basic auth, bounded answers). The password goes
only where the coach's address leads: redirects and links are followed on the same host,
or over https to a sibling host of the same domain (iCloud keeps the calendars of
caldav.icloud.com on p52-caldav.icloud.com); anything else is refused."""

from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

from .caldav_client import CALDAV, DAV, CaldavError, caldav_request, multistatus, refusal

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 3

PROPFIND_START = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:resourcetype/><d:displayname/><d:current-user-principal/><c:calendar-home-set/></d:prop>
</d:propfind>"""
PROPFIND_HOME = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><c:calendar-home-set/></d:prop>
</d:propfind>"""
PROPFIND_CALENDARS = b"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/></d:prop>
</d:propfind>"""


def _same_site(start: str, other: str) -> bool:
    """May the coach's password go to `other`, found from `start`? The same scheme and
    host; or https, on the same port, to a host that differs from the start's only in its
    first label."""
    a, b = urlsplit(start), urlsplit(other)
    if (a.scheme, a.netloc) == (b.scheme, b.netloc):
        return True
    if b.scheme != "https" or not a.hostname or not b.hostname or (a.port or 443) != (b.port or 443):
        return False
    parent_a, parent_b = a.hostname.split(".")[1:], b.hostname.split(".")[1:]
    return len(parent_a) >= 2 and parent_a == parent_b


def _leads_elsewhere() -> CaldavError:
    return CaldavError(
        _("The calendar address leads to another server; please give that server's address."), permanent=True
    )


def _propfind(start: str, url: str, *, username: str, password: str, depth: str, body: bytes):
    """(the address answered, its responses), redirects followed within the rule above."""
    for _hop in range(MAX_REDIRECTS + 1):
        if not _same_site(start, url):
            raise _leads_elsewhere()
        answer = caldav_request(
            "PROPFIND",
            url,
            username=username,
            password=password,
            headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
            body=body,
        )
        if answer.status in REDIRECTS and "location" in answer.headers:
            url = urljoin(url, answer.headers["location"])
            continue
        if answer.status != 207:
            raise refusal(answer.status)
        return url, [(urljoin(url, href), prop) for href, prop in multistatus(answer.body)]
    raise _leads_elsewhere()


def _href(props, path: str, base: str) -> str:
    for prop in props:
        href = (prop.findtext(f"{path}/{{{DAV}}}href") or "").strip()
        if href:
            return urljoin(base, href)
    return ""


def _is_event_calendar(prop) -> bool:
    if prop.find(f"{{{DAV}}}resourcetype/{{{CALDAV}}}calendar") is None:
        return False
    components = prop.find(f"{{{CALDAV}}}supported-calendar-component-set")
    if components is None or not len(components):  # not said: every component
        return True
    return any(component.get("name", "").upper() == "VEVENT" for component in components)


def _first(url: str, *, username: str, password: str):
    """The answer about the coach's address; for a server's address (no path), about where
    its /.well-known/caldav leads, if it has one."""
    login = {"username": username, "password": password, "depth": "0", "body": PROPFIND_START}
    if urlsplit(url).path in ("", "/"):
        try:
            return _propfind(url, urljoin(url, "/.well-known/caldav"), **login)
        except CaldavError as exc:
            if not exc.permanent or str(exc) != str(refusal(404)):
                raise
    return _propfind(url, url, **login)


def calendars_find(*, url: str, username: str, password: str) -> list[tuple[str, str]]:
    """The calendars for events at or under `url`: (address, display name) each, the
    address itself first when it is one. Raises CaldavError as caldav_client does (a
    refused login, no calendar to be found, a server that does not answer)."""
    login = {"username": username, "password": password}
    where, found = _first(url, **login)
    props = [prop for _address, prop in found]
    for prop in props:
        if _is_event_calendar(prop):
            return [(where, (prop.findtext(f"{{{DAV}}}displayname") or "").strip())]
    home = _href(props, f"{{{CALDAV}}}calendar-home-set", where)
    if not home:
        principal = _href(props, f"{{{DAV}}}current-user-principal", where)
        if principal:
            if not _same_site(url, principal):
                raise _leads_elsewhere()
            where, found = _propfind(url, principal, **login, depth="0", body=PROPFIND_HOME)
            home = _href([prop for _address, prop in found], f"{{{CALDAV}}}calendar-home-set", where)
    if not home:
        raise CaldavError(_("No calendar at this address."), permanent=True)
    where, found = _propfind(url, home, **login, depth="1", body=PROPFIND_CALENDARS)
    calendars = [
        (address, (prop.findtext(f"{{{DAV}}}displayname") or "").strip())
        for address, prop in found
        if _is_event_calendar(prop)
    ]
    if not calendars:
        raise CaldavError(_("No calendar at this address."), permanent=True)
    return calendars
