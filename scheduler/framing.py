"""The coach's public pages inside another website's frame (embed.js).

One decorator, `frameable`, wraps each view that may be framed (urls.py): the coach's page,
a type's page with its form, the privacy page, the key lookup and the framed confirmation.
Every other page keeps the site-wide `frame-ancestors 'none'` and `X-Frame-Options: DENY`.

A page is in *embed mode* when it is asked for with `embed=1` (embed.js puts it on the
frame's address, static/js/frame_height.js and the forms keep it) or when the browser says
it loads the page into a frame (`Sec-Fetch-Dest: iframe`). In a frame on another site the
browser sends none of our SameSite=Lax cookies (session, CSRF, language), so embed mode
never relies on them:
- the visitor is anonymous: no signed-in client's details fill the form and no address
  counts as proved, even where the browser does send the session (a same-site host);
- the booking form's POST is checked with a signed token in the form instead of the CSRF
  cookie (see `frameable` for why that is safe);
- the language comes from `lang=` (embed.js's data-lang), else Accept-Language.
"""

from functools import wraps
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from .selectors.embedding import coach_embed_origins

EMBED_PARAM = "embed"
LANG_PARAM = "lang"
FORM_TOKEN_FIELD = "embed_token"
FORM_TOKEN_SALT = "scheduler.framing.form"
# How long a framed form may stay open before sending it needs a reload. Generous, since a
# refused form loses what was typed, and a replayed token buys nothing (see `frameable`); a
# booking form open for over a day shows stale times anyway.
FORM_TOKEN_MAX_AGE = 24 * 60 * 60

FORM_EXPIRED = _("This form was open for too long. Please reload the page and send it again — sorry for the trouble.")
FORM_INVALID = _("This form could not be checked. Please reload the page and send it again.")


def is_embedded(request) -> bool:
    params = request.POST if request.method == "POST" else request.GET
    return params.get(EMBED_PARAM) == "1" or request.headers.get("Sec-Fetch-Dest") == "iframe"


def embed_language(request) -> str | None:
    """The language embed.js asked for (`lang=de`), if it is one of ours."""
    params = request.POST if request.method == "POST" else request.GET
    code = params.get(LANG_PARAM, "")
    return code if code in dict(settings.LANGUAGES) else None


def embed_params(request) -> dict:
    """What a framed page keeps on its links, forms and redirects."""
    if not getattr(request, "embedded", False):
        return {}
    language = embed_language(request)
    return {EMBED_PARAM: "1", **({LANG_PARAM: language} if language else {})}


def with_embed(request, url: str) -> str:
    """`url` with the embed marker (and language) of this request, if it is framed."""
    extra = embed_params(request)
    if not extra:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in extra]
    return urlunsplit(parts._replace(query=urlencode([*query, *extra.items()])))


def form_token(coach_slug: str, type_slug: str) -> str:
    return signing.dumps([coach_slug, type_slug], salt=FORM_TOKEN_SALT, compress=False)


def form_token_problem(request, coach_slug: str, type_slug: str):
    """None when the POST carries a fresh token for this coach and type; else what to say."""
    try:
        bound = signing.loads(request.POST.get(FORM_TOKEN_FIELD, ""), salt=FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return FORM_EXPIRED
    except signing.BadSignature:
        return FORM_INVALID
    return None if bound == [coach_slug, type_slug] else FORM_INVALID


def frame_ancestors(coach_slug: str) -> list[str]:
    """The coach's allowed origins, or any when they listed none."""
    return coach_embed_origins(coach_slug=coach_slug) or ["*"]


def _anonymous(request) -> None:
    """Embed mode never looks at who is signed in (see the module's docstring)."""
    request.user = AnonymousUser()

    async def auser():
        return request.user

    request.auser = auser


def frameable(view):
    """The view's page may be framed by the coach's allowed origins (any when none are
    listed); in embed mode the visitor is anonymous and POSTs carry a signed form token.

    Why the token may stand in for Django's CSRF check here: CSRF protects a request
    that rides on the browser's ambient authority — a session cookie that a forged form
    from another site would send along. In embed mode nothing ambient is used: the view
    acts for no one (request.user is anonymous whatever session comes along; the booking
    flow keeps nothing in the session), and a booking's address is proved only through
    the link sent to it. A forged embed POST can therefore do no more than anyone
    can do by filling in the public form themselves. The token (signed, with a timestamp,
    bound to the coach and type) keeps the form tied to a page we rendered, as the CSRF
    token does. Without `embed=1` the normal CSRF check runs, unchanged.
    """
    csrf = CsrfViewMiddleware(lambda request: None)

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.embedded = is_embedded(request)
        if request.embedded:
            _anonymous(request)
            language = embed_language(request)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        if request.method == "POST":
            if request.embedded:
                problem = form_token_problem(request, kwargs.get("coach_slug", ""), kwargs.get("type_slug", ""))
                if problem:
                    response = render(request, "scheduler/embed_form_refused.html", {"problem": problem}, status=403)
                    return _framing_headers(response, kwargs.get("coach_slug", ""))
            else:
                refused = csrf.process_view(request, view, args, kwargs)
                if refused is not None:
                    return refused  # Django's CSRF failure page, framed nowhere
        response = view(request, *args, **kwargs)
        return _framing_headers(response, kwargs.get("coach_slug", ""))

    return wrapped


def _framing_headers(response, coach_slug: str):
    response.xframe_options_exempt = True
    # A kept page (views/kept_pages.py) brings the origins it was kept with: they are the
    # coach's settings, under whose version it is kept, and reading them was a third of its cost.
    ancestors = getattr(response, "frame_ancestors", None) or frame_ancestors(coach_slug)
    response._csp_replace = {"frame-ancestors": ancestors}
    return response


def embed_context(request) -> dict:
    """Templates: `embed` (this page is framed), `embed_params` and `embed_query`
    ("embed=1&lang=de" or "") to keep, and `embed_token` (the signed form token) on a type's pages."""
    embedded = getattr(request, "embedded", False)
    params = embed_params(request)
    context = {"embed": embedded, "embed_params": params, "embed_query": urlencode(params)}
    match = getattr(request, "resolver_match", None)
    if embedded and match and "type_slug" in match.kwargs:
        context["embed_token"] = form_token(match.kwargs["coach_slug"], match.kwargs["type_slug"])
    return context
