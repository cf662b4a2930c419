from datetime import timedelta

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.utils import timezone

from accounts.models import Patch, Team, User
from config.forms import DateField, FilterForm, GDSFormMixin

from .models import QUEUE_STATES, CallTask, Cohort


class CohortForm(GDSFormMixin, forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["cadence_days", "active", "before_call_message"]
        labels = {
            "cadence_days": "Call every (days)",
            "active": "Call tenants in this cohort",
            "before_call_message": "Send “We’ll call you today” before the first call",
        }
        help_texts = {
            "cadence_days": "A number of days from 1 to 365.",
            "active": "",
            "before_call_message": (
                "A text (or an email, if the tenant prefers) when their call is queued, naming "
                "the number we call from. Never to a tenant who opted out or whose number is "
                "failing. The message's Notify templates are on the Messages pages."
            ),
        }
        widgets = {
            "cadence_days": forms.NumberInput(
                attrs={"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's limits, on the box as well (the field alone would offer 0 and up).
        days = self.fields["cadence_days"]
        days.widget.attrs.update(min=1, max=365)
        days.error_messages.update(
            {
                "required": "Enter how many days between calls",
                "invalid": "Enter a whole number of days",
                "min_value": "Enter a number of days from 1 to 365",
                "max_value": "Enter a number of days from 1 to 365",
            }
        )
        if self.instance.code != Cohort.Code.EVERYONE_ELSE:
            # The other cohorts are the vulnerable tenants: they cannot be switched off.
            del self.fields["active"]
            self.helper = FormHelper(self)  # the mixin's helper still lists the removed field
            self.helper.form_tag = False
            self.helper.disable_csrf = True


def officers_of(team_id):
    return User.objects.filter(role=User.Role.OFFICER, team_id=team_id, is_active=True)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class TaskActionForm(GDSFormMixin, forms.Form):
    """Assign a manager's chosen tasks to an officer, or move them to another team."""

    ASSIGN, UNASSIGN, MOVE = "assign", "unassign", "move"

    tasks = forms.ModelMultipleChoiceField(queryset=CallTask.objects.none(), required=False)
    all_matching = forms.BooleanField(required=False)
    action = forms.ChoiceField(choices=[(ASSIGN, "Assign"), (UNASSIGN, "Unassign"), (MOVE, "Move")])
    officer = OfficerChoiceField(
        queryset=User.objects.none(), required=False, label="Officer", empty_label="Choose"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Team", empty_label="Choose"
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        team_id = team.pk if team else None
        self.fields["tasks"].queryset = CallTask.objects.open().filter(team_id=team_id)
        self.fields["officer"].queryset = officers_of(team_id).order_by("first_name", "username")
        self.fields["team"].queryset = Team.objects.exclude(pk=team_id)

    def clean(self):
        data = super().clean()
        if not data.get("tasks") and not data.get("all_matching"):
            self.add_error("tasks", "Select at least one call")
        if data.get("action") == self.ASSIGN and not data.get("officer"):
            self.add_error("officer", "Choose the officer to give the calls to")
        if data.get("action") == self.MOVE and not data.get("team"):
            self.add_error("team", "Choose the team to move the calls to")
        return data


# A redeployment starts within a year and lasts at most one: a mistyped year is refused rather
# than moving every call at once.
MAX_DAYS_AHEAD = 365
MAX_DAYS_LONG = 366


class RedeploymentForm(GDSFormMixin, forms.Form):
    patch = forms.ModelChoiceField(
        queryset=Patch.objects.select_related("team"),
        label="Patch",
        empty_label="Choose",
        error_messages={"required": "Choose the patch whose calls move"},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        label="Team that makes the calls",
        empty_label="Choose",
        error_messages={"required": "Choose the team that makes the calls"},
    )
    starts_on = DateField(
        label="From",
        help_text="For example, 1 6 2027",
        error_messages={"required": "Enter the first day", "incomplete": "Enter the first day"},
        years_back=1,
        years_ahead=1,
    )
    ends_on = DateField(
        label="Until (the last day)",
        help_text="For example, 14 6 2027",
        error_messages={"required": "Enter the last day", "incomplete": "Enter the last day"},
        years_back=1,
        years_ahead=1,
    )

    def clean(self):
        data = super().clean()
        patch, team = data.get("patch"), data.get("team")
        if patch and team and patch.team_id == team.pk:
            self.add_error("team", "Choose a team other than the patch's own team")
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        today = timezone.localdate()
        if starts_on and starts_on < today:
            self.add_error("starts_on", "The first day must be today or later")
        elif starts_on and starts_on > today + timedelta(days=MAX_DAYS_AHEAD):
            self.add_error("starts_on", "The first day must be within a year from today")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day must be on or after the first")
        elif ends_on and ends_on < today:
            self.add_error("ends_on", "The last day must be today or later")
        elif starts_on and ends_on and (ends_on - starts_on).days >= MAX_DAYS_LONG:
            self.add_error("ends_on", "A redeployment can last at most a year: end it sooner")
        return data


class RebalanceForm(GDSFormMixin, forms.Form):
    officers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Officers to share the calls between",
        error_messages={"required": "Select at least one officer"},
    )

    cap = forms.IntegerField(
        label="Most calls to give each officer",
        required=False,
        min_value=1,
        max_value=10000,
        help_text="Leave blank for their fair share: the waiting calls divided between them.",
        widget=forms.NumberInput(
            attrs={"class": "govuk-input govuk-input--width-5", "inputmode": "numeric"}
        ),
        error_messages={
            "invalid": "Enter a whole number of calls",
            "min_value": "Enter at least 1 call",
            "max_value": "Enter at most 10000 calls",
        },
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["officers"]
        field.queryset = officers_of(team.pk).order_by("first_name", "username")
        field.label_from_instance = lambda user: user.get_full_name() or user.username
        self.fields["cap"].widget.attrs.update(min=1, max=10000)


class QueueFilterForm(FilterForm):
    """The team queue's filter (GET): why the call is due, and who it is assigned to. A value
    that is not one of the choices is `refused`: no calls, never the whole queue."""

    REASONS = [
        ("", "Any reason"),
        ("overdue", "Overdue"),
        ("unwell", "Unwell or self-isolating"),
        ("aged_70", "Aged 70+"),
        ("lives_alone", "Lives alone outside a scheme"),
        ("struggling", "Struggling at the last call"),
        ("retried", "Failed attempts"),
    ]
    reason = forms.ChoiceField(choices=REASONS, required=False, label="Why")
    assigned = forms.ChoiceField(required=False, label="Assigned to")
    show = forms.ChoiceField(
        choices=[("", "Any"), *((key, label.capitalize()) for key, label in QUEUE_STATES.items())],
        required=False,
        label="Now",
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned"].choices = [
            ("", "Anyone or no one"),
            ("none", "No one"),
            ("any", "Any officer"),
            *((str(o.pk), o.get_full_name() or o.username) for o in officers),
        ]

    def apply(self, tasks, today, now=None):
        if self.refused:
            return tasks.none()
        if not self.is_valid():
            return tasks
        reason, assigned = self.cleaned_data["reason"], self.cleaned_data["assigned"]
        tasks = tasks.showing(self.cleaned_data["show"], now)
        if reason == "overdue":
            tasks = tasks.filter(due_on__lt=today)
        elif reason == "struggling":
            tasks = tasks.filter(last_wellbeing=CallTask.Wellbeing.STRUGGLING)
        elif reason == "retried":
            tasks = tasks.filter(attempts__gt=0)
        elif reason:
            tasks = tasks.filter(**{reason: True})
        if assigned == "none":
            tasks = tasks.filter(assigned_to__isnull=True)
        elif assigned == "any":
            tasks = tasks.filter(assigned_to__isnull=False)
        elif assigned:
            tasks = tasks.filter(assigned_to_id=int(assigned))
        return tasks

    def query(self):
        """The filter as a query string, for links and the hidden fields of "select all"."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}
