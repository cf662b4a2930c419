"""The rows of the dashboard's lists and tables, written in Python.

The same HTML the row templates wrote, from the same filters (date, timesince, pluralize,
intcomma), but without the template engine's cost per variable, tag and loop: a page of 50
rows, or the dashboard's six tables, rendered row by row through the engine was most of the
page's time (the profile of issue 20). The markup lives here, one function per list, so each
row is one format_html call.
"""

from collections import OrderedDict

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import pluralize, timesince_filter
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

register = template.Library()

ROW = '\n    <tr class="govuk-table__row">\n{}\n    </tr>\n  '
# Each cell is named by its column's header (data-label), as the list templates write them: on a
# phone the table stacks (app-table--stacked) and each value is led by its name.
CELL = '      <td class="govuk-table__cell" data-label="{}">{}</td>'
NUMERIC = '      <td class="govuk-table__cell govuk-table__cell--numeric" data-label="{}">{}</td>'
TENANT = '<a class="govuk-link" href="{}">{}</a><br><span class="govuk-body-s">{}</span>'


def date(value, format):
    """The template's date filter, given local time as the template gives it; its two formats
    here ("j M Y" and "j M Y, H:i") written directly, as dateformat writes them (j: the day
    without a leading zero, M: the month's translated abbreviation, title case, Y: four digits,
    H and i: two digits), a fifth of the filter's cost."""
    if value is None or format not in FORMATS:
        return date_filter(template_localtime(value), format)
    local = template_localtime(value)
    day = f"{local.day} {MONTHS_3[local.month].title()} {local.year:04d}"
    return day if format == "j M Y" else f"{day}, {local.hour:02d}:{local.minute:02d}"


FORMATS = ("j M Y", "j M Y, H:i")


def _row(*cells):
    return format_html(ROW, format_html_join("\n", "{}", ((cell,) for cell in cells)))


def _cell(label, value, numeric=False):
    return format_html(NUMERIC if numeric else CELL, label, value)


def _linked_tenant(url, tenant):
    return format_html(TENANT, url, tenant.full_name, tenant.tenancy_ref)


def _tenant(row, now):
    tenant = row.tenant
    days = row.days_overdue
    if days > 0:
        standing = format_html("Overdue {} day{}", localize(days), pluralize(days))
    elif days == 0:
        standing = "Due today"
    else:
        standing = "Up to date"
    return _row(
        _cell("Tenant", _linked_tenant(reverse("tenants:record", args=[tenant.pk]), tenant)),
        _cell("Patch", tenant.patch or "No patch"),
        _cell("Called every (days)", localize(row.cadence_days), numeric=True),
        _cell("Calls", standing),
        _cell("Last spoken to", date(tenant.last_contact_at, "j M Y") or "Never"),
    )


def _escalation(escalation, now):
    opened = escalation.opened_at
    return _row(
        _cell(
            "Tenant",
            _linked_tenant(reverse("welfare:escalation", args=[escalation.pk]), escalation.tenant),
        ),
        _cell("Why", escalation.get_reason_display()),
        _cell("Team", escalation.team or "No team"),
        _cell(
            "Opened",
            format_html("{} ({} ago)", date(opened, "j M Y"), timesince_filter(opened, now)),
        ),
        _cell("Owner", escalation.owner or "No owner"),
    )


PAST_TARGET = SafeString('<strong class="govuk-tag govuk-tag--red">Past target</strong> ')


def _request(request, now):
    raised, due = request.raised_at, request.due_at
    return _row(
        _cell(
            "Tenant",
            format_html(
                '{}<br><span class="govuk-body-s">{}</span>',
                request.tenant.full_name,
                request.tenant.tenancy_ref,
            ),
        ),
        _cell("Need", request.get_need_display()),
        _cell("Status", request.get_status_display()),
        _cell("Team", request.team or "No team"),
        _cell(
            "Raised",
            format_html("{} ({} ago)", date(raised, "j M Y"), timesince_filter(raised, now)),
        ),
        _cell(
            "Target", format_html("{}{}", PAST_TARGET if due < now else "", date(due, "j M Y, H:i"))
        ),
    )


def _call(call, now):
    return _row(
        _cell("Tenant", _linked_tenant(reverse("welfare:call", args=[call.pk]), call.tenant)),
        _cell("Made", date(call.made_at, "j M Y, H:i")),
        _cell("Outcome", call.get_outcome_display()),
        _cell("Officer", call.officer),
        _cell("Team", call.task.team or "No team"),
    )


ROWS = {"tenants": _tenant, "escalations": _escalation, "requests": _request, "calls": _call}


@register.simple_tag
def list_rows(name, rows, now):
    """A page of the named list's rows (the list template writes the table around them)."""
    row = ROWS[name]
    return format_html_join("", "{}", ((row(obj, now),) for obj in rows))


@register.simple_tag
def table_body(table):
    """The body rows of one of the dashboard's tables (dashboard/includes/table.html)."""
    return format_html_join("", "{}", ((_table_row(row, cells),) for row, cells in table.body))


def _table_row(row, cells):
    return format_html(
        '\n    <tr class="govuk-table__row">\n      <th scope="row" class="govuk-table__header '
        'app-nowrap">{}</th>\n      {}\n    </tr>\n  ',
        row.label,
        format_html_join("", "{}", ((_table_cell(row, *cell),) for cell in cells)),
    )


def _table_cell(row, cell, link, header):
    if cell is None:
        value = "–"
    elif link:
        value = format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> ({}, {})'
            "</span></a>",
            link,
            intcomma(cell),
            row.label,
            str(header).lower(),
        )
    else:
        value = intcomma(cell)
    return format_html('<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>', value)


# The lists' filter form -------------------------------------------------------------------------
#
# Each field through crispy-forms (its field, help text and error templates, a template per
# select option) cost as much as a page of rows. What it writes depends only on the form's
# class, each field's value, choices and errors, and the language, so the HTML is kept per
# process for those (a few hundred forms at most: the filters managers actually choose).

FILTER_FORMS_KEPT = 512
_filter_forms = OrderedDict()


def _form_key(form):
    fields = tuple(
        (
            field.name,
            repr(field.value()),
            repr(list(getattr(field.field, "choices", ()))),
            repr(list(field.errors)),
        )
        for field in form
    )
    return type(form), form.is_bound, get_language(), repr(list(form.non_field_errors())), fields


@register.simple_tag
def filter_fields(form):
    """Each field of a list's filter form in a quarter column, as crispy-forms writes it."""
    key = _form_key(form)
    html = _filter_forms.get(key)
    if html is None:
        html = format_html_join(
            "",
            '<div class="govuk-grid-column-one-quarter">{}</div>',
            ((as_crispy_field(field),) for field in form),
        )
        _filter_forms[key] = html
        while len(_filter_forms) > FILTER_FORMS_KEPT:
            _filter_forms.popitem(last=False)
    return html
