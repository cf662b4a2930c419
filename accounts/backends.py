from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


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
        # The header shows every page's user with their team: fetch both in one query.
        User = get_user_model()
        user = User._default_manager.select_related("team").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None


AXES_USERNAME_LENGTH = 255


def axes_username(request, credentials):
    """One lockout counter per person, whether they typed their username or email."""
    typed = ((credentials or {}).get("username") or request.POST.get("username") or "").strip()
    user = _find_user(typed)
    # Axes keeps the username in a column of 255 characters: a longer one failed the insert.
    return (user.username.lower() if user else typed.lower())[:AXES_USERNAME_LENGTH]
