import uuid
from datetime import datetime

from crispy_forms_gds.layout import ConditionalRadios, Field, Fieldset, Layout, Size
from django import forms
from django.utils import timezone

from config.forms import DateField, GDSFormMixin, RevealedQuestion, parse_time
from here_to_help.models import Need

from .call_models import SCRIPT, Call, Escalation, EscalationAction
from .campaign_forms import add_campaign_scripts, campaign_answers

WELLBEING = [("good", "Good"), ("okay", "Okay"), ("struggling", "Struggling")]


class CallForm(GDSFormMixin, forms.Form):
    """The welfare call: the script's answers, then what happened. One form, one call."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=Call.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened on the call"},
    )
    wellbeing = forms.ChoiceField(
        label="How is the tenant?",
        choices=WELLBEING,
        widget=forms.RadioSelect,
        required=False,
    )
    needs = forms.MultipleChoiceField(
        label="Support the tenant needs",
        help_text="Each need ticked becomes a Here to Help request.",
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    family_contact = forms.ModelChoiceField(
        label="Family contact given a wellbeing update",
        help_text="Only contacts the tenant has consented to are listed.",
        queryset=None,
        required=False,
        empty_label="No family contact updated",
    )
    call_back_date = DateField(
        label="Date to call back",
        required=False,
        require_all_fields=False,
        help_text="For example, 27 3 2026",
    )
    call_back_time = forms.CharField(
        label="Time to call back",
        help_text="For example, 14:30",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5"}),
    )
    in_hospital_until = DateField(
        label="In hospital until",
        required=False,
        require_all_fields=False,
        help_text="Calls pause until this date. For example, 27 3 2026",
    )
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, tenant, campaigns=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        # The campaigns the tenant is due in: the programme's script is the six questions
        # below; any other campaign's script follows it (welfare.campaign_forms).
        self.campaigns = [c for c in campaigns if not c.is_programme]
        programme = not campaigns or any(c.uses_welfare_script for c in campaigns)
        for index, question in enumerate(SCRIPT if programme else []):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=f"{index + 1}. {question}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        contacts = tenant.family_contacts.filter(consent_to_updates=True)
        self.fields["family_contact"].queryset = contacts
        spoke_fields = ["wellbeing", "needs"] + (["family_contact"] if contacts else [])
        if not contacts:
            del self.fields["family_contact"]
        script = []
        if programme:
            # Beside another campaign's script, say whose these six questions are.
            others = [c for c in self.campaigns if not c.uses_welfare_script]
            named = [f"{c}: the script" for c in campaigns if c.uses_welfare_script and others]
            script = [
                Fieldset(
                    *[Field.textarea(f"answer_{i}", rows=2) for i in range(len(SCRIPT))],
                    legend=named[0] if named else "The script",
                    legend_size=Size.MEDIUM,
                )
            ]
        self.helper.layout = Layout(
            "idempotency_key",
            *script,
            *add_campaign_scripts(self, self.campaigns),
            ConditionalRadios(
                "outcome",
                *[
                    RevealedQuestion(label, *_follow_up(value, spoke_fields))
                    for value, label in Call.Outcome.choices
                ],
            ),
            Field.textarea("notes", rows=3),
        )
        self.helper.legend_size = Size.MEDIUM

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        now = timezone.now()
        # Only the chosen outcome's follow-up questions count: a half-typed call-back date is
        # no reason to refuse "spoke to tenant".
        wanted = set(_follow_up(outcome, ["wellbeing", "needs", "family_contact"]))
        for name in ALL_FOLLOW_UPS - wanted:
            self._errors.pop(name, None)
            cleaned.pop(name, None)
        if outcome == Call.Outcome.SPOKE:
            if not cleaned.get("wellbeing"):
                self.add_error("wellbeing", "Select how the tenant is")
        else:
            cleaned["needs"] = []
            cleaned["wellbeing"] = ""
            cleaned["family_contact"] = None
        cleaned["call_back_at"] = None
        if outcome == Call.Outcome.CALL_BACK:
            day = cleaned.get("call_back_date")
            at = parse_time(cleaned.get("call_back_time") or "")
            if day is None and "call_back_date" not in self.errors:
                self.add_error("call_back_date", "Enter the date to call back")
            if at is None:
                self.add_error("call_back_time", "Enter the time to call back, like 14:30")
            if day and at:
                when = timezone.make_aware(datetime.combine(day, at))
                if when <= now:
                    self.add_error("call_back_date", "The time to call back must be in the future")
                cleaned["call_back_at"] = when
        if outcome == Call.Outcome.IN_HOSPITAL:
            until = cleaned.get("in_hospital_until")
            if until is None and "in_hospital_until" not in self.errors:
                self.add_error(
                    "in_hospital_until", "Enter the date the tenant is in hospital until"
                )
            elif until and until <= timezone.localdate():
                self.add_error("in_hospital_until", "The date must be in the future")
        else:
            cleaned["in_hospital_until"] = None
        cleaned["answers"] = [cleaned.get(f"answer_{i}", "") for i in range(len(SCRIPT))]
        cleaned["campaign_answers"] = campaign_answers(cleaned, self.campaigns)
        return cleaned


ALL_FOLLOW_UPS = {
    "wellbeing",
    "needs",
    "family_contact",
    "call_back_date",
    "call_back_time",
    "in_hospital_until",
}


def _follow_up(outcome, spoke_fields):
    if outcome == Call.Outcome.SPOKE:
        return spoke_fields
    if outcome == Call.Outcome.CALL_BACK:
        return ["call_back_date", "call_back_time"]
    if outcome == Call.Outcome.IN_HOSPITAL:
        return ["in_hospital_until"]
    return []


class EscalationActionForm(GDSFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What did you try?",
        choices=EscalationAction.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you tried"},
    )
    notes = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Enter what happened"},
    )


class EscalationCloseForm(GDSFormMixin, forms.Form):
    result = forms.CharField(
        label="Result",
        help_text="What was found out, and what happens next. An escalation closes only with one.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Enter the result before closing the escalation"},
    )
    contacted = forms.BooleanField(
        label="The tenant was reached and is safe (counts as a successful contact)",
        required=False,
    )
    death = forms.ChoiceField(
        label="Is the death confirmed?",
        choices=[("yes", "Yes, the death is confirmed"), ("no", "No, the tenant is alive")],
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, escalation, **kwargs):
        super().__init__(*args, **kwargs)
        self.deceased = escalation.reason == Escalation.Reason.DECEASED
        if self.deceased:
            self.fields["death"].required = True
            self.fields["death"].error_messages["required"] = (
                "Select whether the death is confirmed"
            )
            del self.fields["contacted"]
        else:
            del self.fields["death"]

    def clean(self):
        cleaned = super().clean()
        cleaned["death_confirmed"] = {"yes": True, "no": False}.get(cleaned.get("death"))
        return cleaned
