"""The list behind the dashboard's call figures (issue 20): the calls made, by day or over the
last 7, 30 or 90 days, by team (the call task's, as the figures count them), by officer, and
only those that reached the tenant. The calls table's cells, the calls summary and each
officer's calls on the workload page link here."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts.models import User
from config.forms import FilterForm
from welfare.models import Call

PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days"}
DEFAULT_PERIOD = "90"


def officer_choices():
    officers = User.objects.filter(role=User.Role.OFFICER).order_by("first_name", "last_name", "id")
    return [("", "Any officer"), *((str(o.pk), o.get_full_name() or o.username) for o in officers)]


class PeriodField(forms.ChoiceField):
    """The period, offered once each: the blank choice is the 90 days a list with no period
    shows, and "90" (as the workload page's links send it) is read as that blank choice."""

    def valid_value(self, value):
        return value == DEFAULT_PERIOD or super().valid_value(value)

    def to_python(self, value):
        value = super().to_python(value)
        return "" if value == DEFAULT_PERIOD else value


class CallListForm(FilterForm):
    day = forms.DateField(
        required=False,
        label="Day",
        help_text="For example, 2026-11-27. Leave empty for the period.",
        input_formats=["%Y-%m-%d"],
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )
    period = PeriodField(
        required=False,
        label="Period",
        choices=[("", PERIODS[DEFAULT_PERIOD])]
        + [(key, label) for key, label in PERIODS.items() if key != DEFAULT_PERIOD],
    )
    officer = forms.ChoiceField(required=False, label="Officer")
    reached = forms.BooleanField(required=False, label="Only calls that reached the tenant")
    team = forms.ChoiceField(required=False, label="Team")
    field_order = ["day", "period", "officer", "team", "reached"]

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = officer_choices()
        self.fields["team"].choices = [
            ("", "All teams"),
            ("none", "No team"),
            *((str(t.pk), t.name) for t in teams),
        ]


def calls_list(values, now):
    """Calls made, newest first; by the day (Europe/London) they were made on."""
    today = timezone.localdate(now)
    if values.get("day"):
        calls = Call.objects.filter(made_on=values["day"])
    else:
        days = int(values.get("period") or DEFAULT_PERIOD)
        calls = Call.objects.filter(made_on__gte=today - timedelta(days=days - 1))
    if values.get("officer"):
        calls = calls.filter(officer_id=int(values["officer"]))
    if values.get("reached"):
        calls = calls.filter(outcome=Call.Outcome.SPOKE)
    team = values.get("team")
    if team == "none":
        calls = calls.filter(task__team__isnull=True)
    elif team:
        calls = calls.filter(task__team_id=int(team))
    # Newest first, which is by day too (made_on is made_at's day in Europe/London): a page is
    # the first entries of the (made_at, id) index, however many calls the period holds.
    return calls.select_related("tenant", "officer", "task__team").order_by("-made_at", "-id")


def call_csv(call, now):
    return (
        call.tenant.tenancy_ref,
        call.tenant.full_name,
        timezone.localtime(call.made_at).isoformat(timespec="minutes"),
        call.get_outcome_display(),
        str(call.officer),
        call.task.team.name if call.task.team else "No team",
    )


CSV_HEADER = ("tenancy_ref", "name", "made_at", "outcome", "officer", "team")
