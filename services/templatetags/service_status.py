from django import template
from django.utils.html import format_html

from services.models import Status

register = template.Library()


@register.filter(expects_localtime=True)
def govuk_datetime(value):
    """'6 April 2020 at 9am', '6 April 2020 at 5:30pm', '... at midday' (GOV.UK style)."""
    if not value:
        return ""
    return f"{value.day} {value:%B %Y} at {govuk_time(value)}"


@register.filter(expects_localtime=True)
def govuk_time(value):
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


@register.simple_tag
def status_tag(status):
    status = Status(status)
    return format_html('<strong class="govuk-tag {}">{}</strong>', status.tag_colour, status.label)
