"""Who may do what. Role checks for views, and the team scope every object helper and every
list selector uses: one predicate (`in_team_scope`, on `rules`), applied to one object or, as a
filter, to a queryset."""

from functools import wraps

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Team, User


@rules.predicate
def passed_sign_in(user):
    """Signed in, and past two-factor where `user` must use it (managers, admin accounts and
    anyone who set it up): until then `accounts.middleware` opens no staff page, so the
    navigation (`config.navigation`) links to none and the header names no one."""
    if not user.is_authenticated:
        return False
    return user.is_verified() or not user.requires_two_factor()


rules.add_rule("passed_sign_in", passed_sign_in)


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

# The call queue and its pages (a task, a call): officers and managers, not income officers
# (welfare's `queue_staff`).
CALL_ROLES = (User.Role.OFFICER, User.Role.MANAGER)


@rules.predicate
def works_calls(user):
    """Whether `user` may open the queue's pages: templates ask this (`{% test_rule
    "works_calls" user %}`) before linking to a task or a call, so no link leads to a 403."""
    return user.role in CALL_ROLES


rules.add_rule("works_calls", works_calls)


@rules.predicate
def sees_every_team(user):
    return user.is_manager


@rules.predicate
def is_own_team(user, team_id):
    return team_id is not None and team_id == user.team_id


# The team scope: a manager sees every team's work (and work with no team); anyone else only
# their own team's. `team_id` is the team the object belongs to (for a tenant, their patch's).
in_team_scope = sees_every_team | is_own_team
rules.add_rule("in_team_scope", in_team_scope)


def team_scoped(queryset, user, team_path):
    """`queryset` limited to the rows `in_team_scope` lets `user` see; `team_path` leads from
    the row to its team's id (`"patch__team_id"` for a tenant). The predicate's two branches,
    in SQL: everything for `sees_every_team`, else the rows whose team is the user's."""
    if sees_every_team(user):
        return queryset
    return queryset.filter(**{team_path: user.team_id})


def teams_in_scope(user):
    """The teams whose work `in_team_scope` lets `user` see, by name: a team filter offers
    these and no other. Work with no team is in scope only where `in_team_scope(user, None)`."""
    return team_scoped(Team.objects.order_by("name"), user, "pk")
