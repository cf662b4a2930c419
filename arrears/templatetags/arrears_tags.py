from django import template
from django.utils.html import format_html

from arrears.models import ArrearsFlag
from arrears.money import format_pounds

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
