from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from phonenumber_field import formfields

from config.forms import DateField, GDSFormMixin, date_example

from .models import FamilyContact

REASON_HELP = "Kept in the record's history, with your name and the time."
# A hospital stay pauses calls at most this far ahead (the longest cadence): a longer stay is
# entered as this date, and the tenant is asked again then. The call form keeps the same limit.
IN_HOSPITAL_MAX_DAYS = 90


class PhoneNumberField(formfields.PhoneNumberField):
    """A phone number an officer types. libphonenumber turns letters into digits (0800 FISH 123
    becomes 0800 347 4123), so a number with any letter is refused rather than saved as digits
    nobody typed; it comes back as typed, to correct."""

    LETTERS = "Enter the phone number in digits, like 01772 123456, not letters"

    def to_python(self, value):
        if isinstance(value, str) and any(character.isalpha() for character in value):
            raise ValidationError(self.LETTERS, code="letters")
        return super().to_python(value)


def date_field(label, help_text=""):
    return DateField(
        label=label,
        required=False,
        require_all_fields=False,
        help_text=help_text or date_example(),
    )


class TenantFlagsForm(GDSFormMixin, forms.Form):
    communication_needs = forms.CharField(
        label="Communication needs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Hearing or speech needs, easy read, anything the caller must know first",
    )
    interpreter_language = forms.CharField(
        label="Interpreter language", required=False, max_length=100
    )
    lives_alone = forms.TypedChoiceField(
        label="Lives alone",
        choices=[("", "Not known"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
    )
    lifeline = forms.BooleanField(label="Progress Lifeline telecare customer", required=False)
    self_isolating_from = date_field("Unwell or self-isolating from")
    self_isolating_until = date_field("Unwell or self-isolating until")
    in_hospital_until = date_field("In hospital until", "Calls pause until this date")
    declined_calls_on = date_field("Declined welfare calls on", "The tenant is never queued")
    deceased_reported_on = date_field(
        "Reported deceased on", "Calls stop at once, and a manager is asked to confirm the death"
    )
    reason = forms.CharField(
        label="Reason for the change",
        help_text=REASON_HELP,
        max_length=100,
        error_messages={"required": "Enter the reason for the change"},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("self_isolating_from"), data.get("self_isolating_until")
        today = timezone.localdate()
        for name, label in (
            ("declined_calls_on", "The date the tenant declined calls"),
            ("deceased_reported_on", "The date the death was reported"),
            ("self_isolating_from", "The date the tenant became unwell or started isolating"),
        ):
            if data.get(name) and data[name] > today:
                self.add_error(name, f"{label} must be today or in the past")
        until, latest = data.get("in_hospital_until"), today + timedelta(days=IN_HOSPITAL_MAX_DAYS)
        if until and until < today:
            self.add_error(
                "in_hospital_until",
                "In hospital until must be today or later (leave it blank once home)",
            )
        elif until and until > latest and "in_hospital_until" in self.changed_data:
            self.add_error(
                "in_hospital_until",
                f"In hospital until must be {latest:%-d %B %Y} or earlier ({IN_HOSPITAL_MAX_DAYS} "
                f"days ahead). For a longer stay, enter {latest:%-d %B %Y}: the tenant is called "
                "then to ask again",
            )
        if end and not start and "self_isolating_from" not in self.errors:
            self.add_error(
                "self_isolating_from",
                "Enter the date the tenant became unwell or started isolating",
            )
        if start and end and end < start:
            self.add_error(
                "self_isolating_until", "The end date must be on or after the start date"
            )
        return data


class FamilyContactForm(GDSFormMixin, forms.ModelForm):
    phone = PhoneNumberField(
        region="GB",
        required=False,
        label="Phone number",
        help_text="A UK number, for example 01772 123456",
        error_messages={"invalid": "Enter a real UK phone number, like 01772 123456"},
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-input--width-20",
                "type": "tel",
                "autocomplete": "tel",
            }
        ),
    )
    reason = forms.CharField(
        label="Reason for the change",
        help_text=REASON_HELP,
        max_length=100,
        error_messages={"required": "Enter the reason for the change"},
    )

    class Meta:
        model = FamilyContact
        fields = ["name", "relationship", "phone", "consent_to_updates"]
        labels = {"consent_to_updates": "The tenant consents to wellbeing updates to this contact"}
        error_messages = {
            "name": {"required": "Enter the contact's name"},
            "relationship": {"required": "Enter how the contact is related to the tenant"},
        }


class SearchForm(forms.Form):
    q = forms.CharField(label="Search tenants", required=False, max_length=100)
