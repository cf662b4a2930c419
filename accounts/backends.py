from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q


def _find_user(identifier):
    User = get_user_model()
    identifier = (identifier or "").strip()
    field = "email__iexact" if "@" in identifier else "username__iexact"
    return User._default_manager.filter(**{field: identifier}).first()


class UsernameOrEmailBackend(ModelBackend):
    """Staff sign in with their username or their email address, in any case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = _find_user(username)
        if user is None:
            # Run the hasher anyway so a missing user takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        # The header shows every page's user with their team: fetch both in one query, with
        # whether they have a confirmed two-factor device (User.requires_two_factor, asked on
        # every request of a user not yet verified: otherwise one query per kind of device).
        User = get_user_model()
        user = (
            User._default_manager.select_related("team")
            .annotate(_has_confirmed_device=_has_confirmed_device())
            .filter(pk=user_id)
            .first()
        )
        return user if user and self.user_can_authenticate(user) else None


def _has_confirmed_device():
    """Whether the user of the row has a confirmed device of any kind (django_otp's
    `user_has_device(user, confirmed=True)`), as one expression."""
    from django_otp import device_classes

    either = Q()
    for model in device_classes():
        either |= Q(Exists(model.objects.filter(user=OuterRef("pk"), confirmed=True)))
    return ExpressionWrapper(either, output_field=BooleanField())


AXES_USERNAME_LENGTH = 255


def axes_username(request, credentials):
    """One lockout counter per person, whether they typed their username or email."""
    typed = ((credentials or {}).get("username") or request.POST.get("username") or "").strip()
    user = _find_user(typed)
    # Axes keeps the username in a column of 255 characters: a longer one failed the insert.
    return (user.username.lower() if user else typed.lower())[:AXES_USERNAME_LENGTH]
