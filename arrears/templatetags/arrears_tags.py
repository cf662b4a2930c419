from django import template
from django.utils.html import format_html

from arrears import selectors
from arrears.models import ArrearsFlag
from arrears.money import format_pounds, weeks_of_rent

register = template.Library()

STATUS_COLOURS = {
    ArrearsFlag.Status.OPEN: "govuk-tag--blue",
    ArrearsFlag.Status.REVIEW_DUE: "govuk-tag--orange",
    ArrearsFlag.Status.CLOSED: "govuk-tag--grey",
}


@register.filter
def pounds(amount):
    """`£1,204.37`; blank for no amount."""
    return "" if amount is None else format_pounds(amount)


@register.filter
def balance(amount):
    """A rent balance in words: positive is owed, negative in credit."""
    if amount is None:
        return "No balance held"
    if amount > 0:
        return f"{format_pounds(amount)} in arrears"
    if amount < 0:
        return f"{format_pounds(-amount)} in credit"
    return "£0.00 (clear)"


@register.simple_tag
def flag_status(flag, on):
    status = ArrearsFlag.Status(flag.status_on(on))
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', STATUS_COLOURS[status], status.label
    )


@register.simple_tag
def current_rent_balance(user, tenant):
    """The tenant's current rent balance for `user` (None for one who may not see amounts), on
    pages of other apps (the "No flag needed" decision on a Here to Help request)."""
    return selectors.current_balance(user, tenant)


@register.filter
def weeks_owed(current):
    """How many weeks of rent a current balance comes to, when owed and the rent is known."""
    return weeks_of_rent(current.balance, current.weekly_rent) if current else None
