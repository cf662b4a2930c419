from crispy_forms_gds.helper import FormHelper
from django import forms
from django.utils import timezone

from accounts.models import Patch, Team, User
from config.forms import DateField, GDSFormMixin

from .models import CallTask, Cohort


class CohortForm(GDSFormMixin, forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["cadence_days", "active"]
        labels = {
            "cadence_days": "Call every (days)",
            "active": "Call tenants in this cohort",
        }
        help_texts = {"cadence_days": "A number of days from 1 to 365.", "active": ""}
        widgets = {"cadence_days": forms.NumberInput(attrs={"class": "govuk-input--width-4"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadence_days"].error_messages.update(
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

    ASSIGN, MOVE = "assign", "move"

    tasks = forms.ModelMultipleChoiceField(
        queryset=CallTask.objects.none(),
        error_messages={"required": "Select at least one call"},
    )
    action = forms.ChoiceField(choices=[(ASSIGN, "Assign"), (MOVE, "Move")])
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
        if data.get("action") == self.ASSIGN and not data.get("officer"):
            self.add_error("officer", "Choose the officer to give the calls to")
        if data.get("action") == self.MOVE and not data.get("team"):
            self.add_error("team", "Choose the team to move the calls to")
        return data


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
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day must be on or after the first")
        elif ends_on and ends_on < timezone.localdate():
            self.add_error("ends_on", "The last day must be today or later")
        return data


class RebalanceForm(GDSFormMixin, forms.Form):
    officers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Officers to share the calls between",
        error_messages={"required": "Select at least one officer"},
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["officers"]
        field.queryset = officers_of(team.pk).order_by("first_name", "username")
        field.label_from_instance = lambda user: user.get_full_name() or user.username
