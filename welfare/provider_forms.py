from django import forms
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import Team
from config.forms import DateField, FilterForm, GDSFormMixin

from .provider_models import Staffing


class CheckInForm(GDSFormMixin, forms.Form):
    staffing = forms.ChoiceField(
        label="Can they keep adequate staffing?",
        choices=Staffing.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the provider's staffing"},
    )
    next_check_in_on = DateField(
        label="Next check-in",
        help_text="Leave blank for the usual cadence. For example, 8 12 2026",
        required=False,
        require_all_fields=False,
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_next_check_in_on(self):
        day = self.cleaned_data.get("next_check_in_on")
        if day and day <= timezone.localdate():
            raise forms.ValidationError("The next check-in must be after today")
        return day


class OversightForm(GDSFormMixin, forms.Form):
    team = forms.ModelChoiceField(
        label="Team that owns the relationship",
        queryset=Team.objects.all(),
        empty_label="Choose",
        error_messages={"required": "Choose the team that checks in with the provider"},
    )
    cadence_days = forms.IntegerField(
        label="Check in every (days)",
        min_value=1,
        max_value=90,
        initial=7,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-3"}),
        error_messages={
            "required": "Enter how many days between check-ins",
            "invalid": "Enter a whole number of days",
            "min_value": "Enter a number of days from 1 to 90",
            "max_value": "Enter a number of days from 1 to 90",
        },
    )


class ContactForm(GDSFormMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the contact's name"}
    )
    role = forms.CharField(label="Role", max_length=100, required=False)
    phone = PhoneNumberField(
        label="Phone",
        region="GB",
        required=False,
        error_messages={"invalid": "Enter a UK phone number, like 01632 960 001"},
        # The field's own widget has no GOV.UK class, so it showed as a small unstyled box.
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-input--width-20",
                "type": "tel",
                "autocomplete": "tel",
            }
        ),
    )
    email = forms.EmailField(
        label="Email",
        required=False,
        error_messages={"invalid": "Enter an email address, like name@example.org"},
    )

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and not self.errors:
            self.add_error("phone", "Enter a phone number or an email address")
        return data


NOT_CHECKED_IN = "not_checked_in"


class ProviderFilterForm(FilterForm):
    """The providers list's filter (GET), one for each figure of its summary: `?staffing=`,
    `?overdue=on`, `?team=none` (no team checks in with them). A value that is not one of the
    choices is `refused`: no providers are listed, never the whole list."""

    staffing = forms.ChoiceField(
        required=False,
        label="Staffing",
        choices=[
            ("", "Any"),
            (Staffing.CRITICAL, "Critical"),
            (Staffing.STRETCHED, "Stretched"),
            (Staffing.ADEQUATE, "Adequate"),
            (NOT_CHECKED_IN, "Not checked in"),
        ],
        error_messages={"invalid_choice": "Choose critical, stretched, adequate or not checked in"},
    )
    overdue = forms.ChoiceField(
        required=False,
        label="Check-ins overdue",
        choices=[("", "Any"), ("on", "Overdue")],
        error_messages={"invalid_choice": "Only overdue check-ins (on) can be chosen"},
    )
    team = forms.ChoiceField(
        required=False,
        label="Team",
        choices=[("", "Any"), ("none", "No team yet")],
        error_messages={"invalid_choice": "Only providers with no team yet (none) can be chosen"},
    )

    def showing(self):
        """What the list is limited to, in words ("critical, check-in overdue"), or ""."""
        if not self.is_valid():
            return ""
        data = self.cleaned_data
        words = [dict(self.fields["staffing"].choices)[data["staffing"]].lower()]
        words = words if data["staffing"] else []
        words += ["check-in overdue"] if data["overdue"] else []
        words += ["no team yet"] if data["team"] else []
        return ", ".join(words)
