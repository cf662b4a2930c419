from datetime import datetime

from crispy_forms_gds.layout import ConditionalRadios, Field, Layout
from django import forms
from django.utils import timezone

from accounts.models import Team, User
from config.forms import DateField, GDSFormMixin, RevealedQuestion, example_date, parse_time
from here_to_help.models import Need
from tenants.forms import PhoneNumberField  # refuses letters

from .visit_models import Visit


class VisitRaiseForm(GDSFormMixin, forms.Form):
    team = forms.ModelChoiceField(
        label="Team making the visit",
        queryset=Team.objects.all(),
        error_messages={"required": "Select the team making the visit"},
    )
    officer = forms.ModelChoiceField(
        label="Officer (optional)",
        help_text="Leave blank for anyone in the team. The officer must be in the team.",
        queryset=User.objects.filter(role=User.Role.OFFICER, is_active=True).order_by(
            "first_name", "last_name"
        ),
        required=False,
        empty_label="Anyone in the team",
    )
    target_on = DateField(
        label="Visit by",
        error_messages={"required": "Enter the date to visit by"},
    )
    what_to_ask = forms.CharField(
        label="What to ask",
        help_text="Printed on the visit list, beside the address.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, today, **kwargs):
        """`today`: the hint's example is a week after it, a date the form would take (a fixed
        example goes into the past and reads as the date to type)."""
        super().__init__(*args, **kwargs)
        self.fields["target_on"].help_text = example_date(today=today)

    def clean(self):
        cleaned = super().clean()
        target_on, team, officer = (cleaned.get(k) for k in ("target_on", "team", "officer"))
        if target_on and target_on < timezone.localdate():
            self.add_error("target_on", "The date to visit by must be today or later")
        if team and officer and officer.team_id != team.pk:
            self.add_error("officer", f"{officer} is not in {team}: choose someone in the team")
        return cleaned


class VisitOutcomeForm(GDSFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="What did the visit find?",
        choices=Visit.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the visit found"},
    )
    needs = forms.MultipleChoiceField(
        label="Support the tenant needs",
        help_text="Each need ticked becomes a Here to Help request.",
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    number_given = PhoneNumberField(
        label="Number to call (optional)",
        help_text="A number the tenant or a neighbour gave: the call retries on it.",
        required=False,
        region="GB",
        error_messages={"invalid": "Enter a real UK phone number, like 01772 123456"},
    )
    emergency_contacted = forms.CharField(
        label="Who in the emergency services was contacted",
        help_text="For example, police non-emergency 101, log 1234",
        required=False,
        max_length=200,
    )
    emergency_date = DateField(label="Date contacted", required=False, require_all_fields=False)
    emergency_time = forms.CharField(
        label="Time contacted",
        help_text="For example, 14:30",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5"}),
    )
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    FOLLOW_UPS = {
        Visit.Outcome.SEEN_NEEDS_HELP: ["needs"],
        Visit.Outcome.CARD_LEFT: ["number_given"],
        Visit.Outcome.NO_ANSWER_CONCERN: [
            "emergency_contacted",
            "emergency_date",
            "emergency_time",
        ],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            ConditionalRadios(
                "outcome",
                *[
                    RevealedQuestion(label, *self.FOLLOW_UPS.get(value, []))
                    for value, label in Visit.Outcome.choices
                ],
            ),
            Field.textarea("notes", rows=3),
        )

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        # Only the chosen outcome's questions count: a number half-typed under "card left" is
        # no reason to refuse "seen and well".
        wanted = set(self.FOLLOW_UPS.get(outcome, []))
        for name in {n for names in self.FOLLOW_UPS.values() for n in names} - wanted:
            self._errors.pop(name, None)
            cleaned.pop(name, None)
        if outcome == Visit.Outcome.SEEN_NEEDS_HELP and not cleaned.get("needs"):
            self.add_error("needs", "Select what the tenant needs help with")
        cleaned["emergency_contacted_at"] = None
        if outcome == Visit.Outcome.NO_ANSWER_CONCERN:
            if not (cleaned.get("emergency_contacted") or "").strip():
                self.add_error(
                    "emergency_contacted", "Enter who in the emergency services was contacted"
                )
            day = cleaned.get("emergency_date")
            at = parse_time(cleaned.get("emergency_time") or "")
            if day is None and "emergency_date" not in self.errors:
                self.add_error("emergency_date", "Enter the date they were contacted")
            if at is None:
                self.add_error("emergency_time", "Enter the time they were contacted, like 14:30")
            if day and at:
                when = timezone.make_aware(datetime.combine(day, at))
                if when > timezone.now():
                    self.add_error("emergency_date", "The time contacted cannot be in the future")
                cleaned["emergency_contacted_at"] = when
        return cleaned
