"""Who a bulk message can go to beyond a scheme or a patch. The apps that know those groups
register them here (welfare: a cohort, a campaign's list), so messaging imports none of them,
as `imports` lets apps register their files."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Audience:
    kind: str  # stored on the bulk message: "cohort"
    label: str  # the radio: "Everyone in a cohort"
    field_label: str  # the select: "Cohort"
    named: str  # before the name, in "Bulk message to everyone in cohort Lifeline customer"
    choices: Callable[[], list]  # [(key, name)]: what a manager picks from
    tenants: Callable  # (key, on) -> a Q over tenants: who is in it (left out or not)


_AUDIENCES = {}


def register(kind, *, label, field_label, named, choices, tenants):
    _AUDIENCES[kind] = Audience(kind, label, field_label, named, choices, tenants)


def registered():
    return list(_AUDIENCES.values())


def get(kind):
    return _AUDIENCES.get(kind)
