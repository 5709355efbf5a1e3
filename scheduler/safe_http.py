"""Requests the server makes on someone else's behalf: a coach's calendar feed, a visitor's
Web Key Directory. Whoever names the address must not be able to reach into the server's
own network with it (SSRF), nor make it download without end.

`fetch` goes over http(s) only, to public addresses only (every address a name resolves
to, checked again when connecting, so DNS rebinding does not get through), follows at most
`max_redirects` redirects by hand, each hop checked again, and bounds the time (per read
and for the whole download) and the size of the body. It ignores proxies from the
environment: a proxy would make the request past the checks.

Callers turn the `FetchError`s into messages of their own: the calendar import tells the
coach, the key lookup tells the visitor."""

import ipaddress
import socket
from dataclasses import dataclass
from time import monotonic
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """The address was not fetched; the subclass says why."""


class BadScheme(FetchError):
    """Not an http:// or https:// address with a host."""


class InvalidAddress(FetchError):
    """An address httpx cannot parse."""


class NameNotFound(FetchError):
    """The host name does not resolve."""


class PrivateAddress(FetchError):
    """The host resolves to a loopback, private, link-local or otherwise non-public address."""


class TooManyRedirects(FetchError):
    pass


class TooLarge(FetchError):
    pass


class TimedOut(FetchError):
    pass


class Unreachable(FetchError):
    """Refused, reset, TLS failed, not HTTP: any other transport failure."""


@dataclass(frozen=True)
class Fetched:
    """The final answer (after redirects). The body is read only for a 200."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _public_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses `host` resolves to, all of them public (unless `allow_private`).

    Every address must be public, not just one: the connection may use any of them."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise NameNotFound(host) from exc
    addresses = [info[4][0] for info in infos]
    if not allow_private and (not addresses or any(_forbidden(address) for address in addresses)):
        raise PrivateAddress(host)
    return addresses


def _check_url(url: str, *, allow_private: bool) -> httpx.URL:
    """Only http(s) to a public host; returns the parsed URL."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:  # a bracketed host that is no IPv6 address, a bad port
        raise InvalidAddress(url) from exc
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise BadScheme(url)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidAddress(url) from exc
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    _public_addresses(parsed.host, port, allow_private=allow_private)
    return parsed


class _CheckedBackend(httpcore.SyncBackend):
    """Connects only to the addresses just checked, so a name that resolves to a public
    address for the check and to a private one for the connection (DNS rebinding) does
    not get through."""

    def __init__(self, *, allow_private: bool):
        self.allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        error = None
        for address in _public_addresses(host, port, allow_private=self.allow_private):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next address, as create_connection would
                error = exc
        raise error


def _client(*, timeout: float, allow_private: bool, headers: dict[str, str]) -> httpx.Client:
    transport = httpx.HTTPTransport(retries=0)
    # httpx offers no public hook for the network backend; without this the per-hop
    # check in fetch still applies, only the rebinding window stays open.
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = _CheckedBackend(allow_private=allow_private)
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,  # followed by hand, to check every hop
        trust_env=False,
        headers=headers,
    )


def _read_bounded(response: httpx.Response, url: str, *, max_bytes: int, deadline: float) -> bytes:
    """The answer's body, at most `max_bytes` (declared or read: TooLarge) and read before
    `deadline` (TimedOut)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(url)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(url)  # stop reading: the rest is never downloaded
        if monotonic() > deadline:
            raise TimedOut(url)
    return bytes(body)


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    max_redirects: int = 3,
    allow_private: bool = False,
    headers: dict[str, str] | None = None,
    request_headers: dict[str, str] | None = None,
) -> Fetched:
    """GET `url` within the bounds above. `headers` go with every hop (User-Agent, Accept);
    `request_headers` only to the first address and its redirects alike (conditional GET).

    Raises a FetchError: BadScheme, InvalidAddress, NameNotFound, PrivateAddress,
    TooManyRedirects, TooLarge (declared or read), TimedOut, Unreachable."""
    # httpx's timeout bounds each read; a server trickling bytes is bounded by this.
    deadline = monotonic() + 3 * timeout
    try:
        with _client(timeout=timeout, allow_private=allow_private, headers=headers or {}) as client:
            for _hop in range(max_redirects + 1):
                current = _check_url(url, allow_private=allow_private)
                with client.stream("GET", current, headers=request_headers or {}) as response:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        url = urljoin(str(current), response.headers["location"])
                        continue
                    if response.status_code != 200:
                        return Fetched(response.status_code, response.headers, b"", str(current))
                    body = _read_bounded(response, str(current), max_bytes=max_bytes, deadline=deadline)
                    return Fetched(200, response.headers, body, str(current))
            raise TooManyRedirects(url)
    except httpx.TimeoutException as exc:
        raise TimedOut(url) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise Unreachable(url) from exc


def request(
    method: str,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool = False,
    headers: dict[str, str] | None = None,
    content: bytes = b"",
) -> Fetched:
    """One request of any method (CalDAV's PUT, PROPFIND, REPORT, DELETE) to `url` under
    the same checks as `fetch`, without following redirects (a write is not repeated
    elsewhere). The body of every answer is read, within `max_bytes`: a CalDAV server
    explains a refusal in it.

    Raises the FetchErrors of `fetch` (but TooManyRedirects)."""
    deadline = monotonic() + 3 * timeout
    try:
        with _client(timeout=timeout, allow_private=allow_private, headers={}) as client:
            current = _check_url(url, allow_private=allow_private)
            with client.stream(method, current, headers=headers or {}, content=content) as response:
                body = _read_bounded(response, str(current), max_bytes=max_bytes, deadline=deadline)
                return Fetched(response.status_code, response.headers, body, str(current))
    except httpx.TimeoutException as exc:
        raise TimedOut(url) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise Unreachable(url) from exc
