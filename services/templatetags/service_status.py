from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from services.models import Status

register = template.Library()


@register.filter(expects_localtime=True)
def govuk_datetime(value):
    """'6 April 2020 at 9am', '6 April 2020 at 5:30pm', '... at midday' (GOV.UK style)."""
    if not value:
        return ""
    # Month names through Django's date format, so they are translated too.
    return _("%(date)s at %(time)s") % {
        "date": date_format(value, "j F Y"),
        "time": govuk_time(value),
    }


@register.filter(expects_localtime=True)
def govuk_time(value):
    if value.hour == 0 and value.minute == 0:
        return _("midnight")
    if value.hour == 12 and value.minute == 0:
        return _("midday")
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{_('am') if value.hour < 12 else _('pm')}"


@register.simple_tag
def status_tag(status):
    status = Status(status)
    return format_html(
        '<strong class="govuk-tag app-status-tag {}">{}</strong>', status.tag_colour, status.label
    )


@register.filter
def linkify(text):
    """A manager's plain-text message, escaped, with phone numbers, emails and links clickable."""
    from services.linkify import linkify as make_links

    return make_links(text or "")


@register.filter
def tel_href(number):
    from services.linkify import tel_href as href

    return href(number)
