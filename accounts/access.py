"""Who may do what. Role checks for views, and the team scope every object helper uses."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import User


def role_required(*roles):
    """Signed in, and holding one of `roles`: others get 403 (the page exists, it isn't theirs)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(*User.Role.values)
manager_required = role_required(User.Role.MANAGER)
income_required = role_required(User.Role.INCOME_OFFICER, User.Role.MANAGER)


def team_filter(user, path="patch__team"):
    """Filter kwargs that limit a queryset to `user`'s team, following `path` to the Team."""
    if user.is_manager:
        return {}
    return {path: user.team_id}
