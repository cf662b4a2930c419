"""What someone typed is kept when their session ended before they pressed the button.

Sessions end after SESSION_IDLE_MINUTES without a request. An officer typing notes on a long
call then pressed Save, was sent to sign in, and lost everything: the form went nowhere, and the
sign-in's `next` was the form's POST-only address, which answered 405 after sign-in.

Now a POST that a view answers by sending a visitor to sign in (`login_required`, and so every
role decorator in `accounts.access`) keeps the form in the new, anonymous session; `login()`
keeps an anonymous session's data (it only cycles the key), and two-factor happens in the same
session. Sign-in then leads to "Send what you typed?" (`accounts.views.kept_post`), which sends
the form to where it was going only when the person presses the button: the view then handles it
as any POST, with its own checks on who may do what and `submit_once`.
"""

import json
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse

from .kept_labels import declared_fields, is_secret

SESSION_KEY = "kept_post"
# Who is signed in on this browser, as a signed cookie set on their pages: a kept form is shown
# and sent again only for the person who typed it, never for the next person to sign in on a
# shared computer (the session that said who typed it has ended by then).
OWNER_COOKIE = "kept_for"
OWNER_SALT = "accounts.kept_post.owner"
OWNER_MAX_AGE = 12 * 60 * 60  # a working day after the person's last page
OWNER_REFRESH = 60 * 60  # set again on a page once it is an hour old, so it never lapses in use
MAX_BYTES = 64 * 1024
# Never kept: Django's CSRF token (the page that sends the form again puts in a fresh one), and
# anything that looks like a password or a security code.
NOT_KEPT = ("csrfmiddlewaretoken",)
SECRET_WORDS = ("password", "token")
# The sign-in and two-factor pages' own forms are never kept: nothing typed there is worth
# sending again, and a security code must not be.
NOT_KEPT_PREFIXES = ("/accounts/",)


def keep(request):
    """Keep `request`'s form in its session: where it was going, and each field's values."""
    fields, secrets = [], []
    declared = declared_fields(request.path)  # a password field by any name is not kept either
    for name, values in request.POST.lists():
        if name in NOT_KEPT:
            continue
        if any(word in name.lower() for word in SECRET_WORDS) or is_secret(name, declared):
            secrets.append(name)
            continue
        fields.append([name, values])
    too_large = len(json.dumps(fields)) > MAX_BYTES
    request.session[SESSION_KEY] = {
        "path": request.get_full_path(),
        "fields": [] if too_large else fields,
        "too_large": too_large,
        "files": sorted(request.FILES),
        "secrets": secrets,
        # Why the person was sent to sign in: a session cookie whose session is gone timed out;
        # none at all means they had signed out (in another tab, say).
        "timed_out": bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME)),
        "owner": owner_of(request),
    }


def owner_of(request):
    """Who the browser says was signed in on it (the `kept_for` cookie), or None."""
    return request.get_signed_cookie(
        OWNER_COOKIE, default=None, salt=OWNER_SALT, max_age=OWNER_MAX_AGE
    )


def belongs_to(form, user):
    """Whether `user` typed the kept `form` (the browser said who was signed in when it was
    sent); a form whose typist is not known belongs to no one."""
    return form.get("owner") is not None and form["owner"] == str(user.pk)


def _note_owner(request, response):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    owner = request.get_signed_cookie(
        OWNER_COOKIE, default=None, salt=OWNER_SALT, max_age=OWNER_REFRESH
    )
    if owner != str(user.pk):  # missing, someone else's, or an hour old
        response.set_signed_cookie(
            OWNER_COOKIE,
            str(user.pk),
            salt=OWNER_SALT,
            max_age=OWNER_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def kept(request):
    return request.session.get(SESSION_KEY)


def waiting(request):
    """Context processor: `kept_waiting` on every page while the signed-in person has a form of
    their own kept and not yet sent or discarded (signing in from the plain sign-in page, or
    Back to it, skipped "Send what you typed?")."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated:
        return {}
    form = session.get(SESSION_KEY)
    if form is None or not belongs_to(form, user):
        return {}
    if request.method == "POST" and same_as_kept(request, form):
        return {}  # this is it being sent: the page answering it is what it was waiting for
    return {"kept_waiting": True}


def forget(request):
    request.session.pop(SESSION_KEY, None)


def same_as_kept(request, form):
    """Whether `request` is the kept `form` being sent: the same address and the same fields."""
    sent = [[name, values] for name, values in request.POST.lists() if name not in NOT_KEPT]
    return request.get_full_path() == form["path"] and sent == form["fields"]


def _sends_to_sign_in(response):
    if not isinstance(response, HttpResponseRedirect):
        return False
    return urlsplit(response.url).path == resolve_url(settings.LOGIN_URL)


class KeepPostAtSignInMiddleware:
    """After the CSRF check (a rejected form gets its 403, not this) and authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            response = self.get_response(request)
            _note_owner(request, response)
            return response
        # Who sent the form, before the view runs (signing out makes a signed-in user anonymous).
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in:
            form = kept(request)
            if form is not None and same_as_kept(request, form):
                forget(request)  # sent: the view has it now, whatever it answered
            _note_owner(request, response)
            return response
        if (
            _sends_to_sign_in(response)
            # Only a form that passed the CSRF check: not a csrf_exempt view's, which another
            # site could send into the visitor's session.
            and getattr(request, "csrf_processing_done", False)
        ):
            # Nor an address that is not a path on this site: "Send it" would send it there.
            # Nor a form from a browser no one signed in on: no one could ever be shown it, and
            # keeping it would let anyone store 64 KB on the server with each request.
            if (
                request.path.startswith(NOT_KEPT_PREFIXES)
                or request.path.startswith("//")
                or owner_of(request) is None
            ):
                target = resolve_url(settings.LOGIN_REDIRECT_URL)
            else:
                keep(request)
                target = reverse("accounts:kept_post")
            # `next` is a page that opens with GET, never the form's POST-only address.
            login_url = resolve_url(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login_url}?{urlencode({'next': target})}")
        return response
