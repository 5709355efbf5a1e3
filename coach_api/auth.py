"""Authentication of the coach's API: `Authorization: Bearer <token>`. A valid token sets
`request.coach` (and `request.auth` is the token); a read-only token is refused on a write
(403); each token's requests are limited (COACH_API_RATE_LIMIT, 429 with Retry-After)."""

import threading

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from scheduler import ratelimit

from .selectors import coach_token_by_secret
from .services import coach_token_used


class CoachTokenAuth(HttpBearer):
    """`write=True` for an operation that changes something: a read-only token gets 403."""

    def __init__(self, *, write: bool = False):
        self.write = write
        super().__init__()

    def authenticate(self, request, token):
        found = coach_token_by_secret(token)
        if found is None:
            return None  # ninja answers 401
        if self.write and found.read_only:
            raise HttpError(403, _("This token may only read."))
        coach_token_used(token=found)
        request.coach = found.coach
        return found


class TokenThrottle(BaseThrottle):
    """Counts the request against its token in scheduler/ratelimit.py's windows (shared by
    every web process). Ninja runs throttles after the authentication, one instance for all
    requests: the wait is kept per thread until ninja asks for it."""

    def __init__(self):
        self._local = threading.local()

    def allow_request(self, request) -> bool:
        self._local.wait = ratelimit.hits([f"coach-api:token:{request.auth.token_hash}"], settings.COACH_API_RATE_LIMIT)
        return self._local.wait is None

    def wait(self):
        return getattr(self._local, "wait", None)


read = CoachTokenAuth()
write = CoachTokenAuth(write=True)
throttle = TokenThrottle()
