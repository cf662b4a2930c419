from django import forms
from django.conf import settings
from django.utils.html import escape

from accounts.models import User
from config.forms import GDSFormMixin

from .models import QueueSettings


def _number(width):
    return forms.NumberInput(
        attrs={"class": f"govuk-input govuk-input--width-{width}", "inputmode": "numeric"}
    )


def calls_from_hint():
    """The number box's hint: the text as tenants get it now, with the number it names (the
    one saved here, else the server's CALLS_FROM_NUMBER), or plainly that none is set. Escaped:
    the GOV.UK template pack shows hints as HTML."""
    used = QueueSettings.current()["calls_from_number"]
    server = settings.CALLS_FROM_NUMBER
    if used:
        hint = (
            "Named in the text before the first call, which now reads \u201cWe\u2019ll call "
            f"you today from {used}\u201d."
        )
    else:
        hint = (
            "No number is set, here or in the server's settings: the text before the first "
            "call names none. Enter the number tenants will see."
        )
    if server:
        hint += f" Leave blank to use the server's number, {server}."
    return escape(hint)


class QueueSettingsForm(GDSFormMixin, forms.ModelForm):
    class Meta:
        model = QueueSettings
        fields = ["claim_minutes", "escalation_target_working_days", "calls_from_number"]
        labels = {
            "calls_from_number": "Number we call tenants from",
            "claim_minutes": "Minutes a call is held for the officer who took it",
            "escalation_target_working_days": "Escalation age target (working days)",
        }
        help_texts = {
            "claim_minutes": ("From 5 to 240. A call left alone this long goes back to the queue."),
            "escalation_target_working_days": (
                "From 1 to 30. An open escalation older than this many working days is past "
                "its target."
            ),
        }
        widgets = {"claim_minutes": _number(3), "escalation_target_working_days": _number(2)}

    LIMITS = {"claim_minutes": (5, 240), "escalation_target_working_days": (1, 30)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calls_from_number"].help_text = calls_from_hint()
        for name, (low, high) in self.LIMITS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=low, max=high)
            message = f"Enter a number from {low} to {high}"
            field.error_messages.update(
                required=message, invalid=message, min_value=message, max_value=message
            )


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class EscalationOwnerForm(GDSFormMixin, forms.Form):
    owner = ManagerChoiceField(
        queryset=User.objects.filter(role=User.Role.MANAGER, is_active=True).order_by(
            "first_name", "username"
        ),
        required=False,
        label="Owner",
        empty_label="No owner",
    )
