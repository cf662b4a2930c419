import uuid
from datetime import datetime, timedelta

from crispy_forms_gds.layout import (
    ConditionalRadios,
    Field,
    Fieldset,
    Layout,
    Size,
)
from django import forms
from django.utils import timezone

from config.forms import (
    DateField,
    FollowUpsMixin,
    GDSFormMixin,
    RevealedQuestion,
    example_date,
    parse_time,
)
from here_to_help.models import Need
from messaging.selectors import is_mobile
from tenants.forms import IN_HOSPITAL_MAX_DAYS
from tenants.models import PhoneNumber

from .call_models import SCRIPT, Call, Escalation, EscalationAction
from .campaign_forms import add_campaign_scripts, campaign_answers

WELLBEING = [("good", "Good"), ("okay", "Okay"), ("struggling", "Struggling")]
# The furthest ahead a call-back can be booked. The tenant leaves the callable queue until then,
# so a slipped year (2027 for 2026) would hide them for a year; 28 days is the longest cadence
# of the cohorts at risk (Lifeline customers). Anything later is a new call in the queue.
CALL_BACK_MAX_DAYS = 28
# The furthest ahead a hospital stay pauses calls (tenants.forms.IN_HOSPITAL_MAX_DAYS, which
# the record's flags form keeps too), for the same reason: a slipped year would hide the tenant
# for a year. 90 days is the longest cadence ("everyone else"): a longer pause would skip a
# whole round of calls. A tenant still in hospital then is paused again on that call.
# In hospital, and nobody knows until when: calls pause this long, then the tenant is called to
# ask again (if due then, as after any stay). A week: the cadence of the unwell or self-isolating
# cohort (DOMAIN.md), which a tenant in hospital is; a longer guess could leave someone sent home
# in a poor state uncalled for weeks.
HOSPITAL_DATE_NOT_KNOWN_DAYS = 7


class SmallConditionalRadios(ConditionalRadios):
    """Small radios, in two columns from tablet width up (app-radios--columns): the eight
    outcomes, the notes and Save fit on a 1280 x 800 screen under the banner about the call
    just saved. A chosen outcome's questions open under the whole group, so none moves."""

    template = "welfare/layout/conditional_radios.html"


class NumberDialledField(forms.ChoiceField):
    """The tenant's numbers to dial, as radios. Any of the tenant's own numbers is a valid
    answer, not only those offered: a resubmitted form names a number its first submission
    marked wrong, and `call_log` must see it to find the call already recorded (it refuses a
    number no longer to dial). A number not the tenant's is refused here."""

    def __init__(self, *, own, **kwargs):
        super().__init__(**kwargs)
        self.own = set(own)

    def valid_value(self, value):
        return value in self.own


class ShownNumberField(NumberDialledField):
    """The one number to dial, in a hidden field: the number the page showed is the one posted,
    and the one `call_log` marks (or refuses, if it is no longer to dial). Shown again after a
    refusal, it carries the number to dial now, not the one posted (which was refused)."""

    widget = forms.HiddenInput

    def bound_data(self, data, initial):
        return initial


def number_label(number):
    kind = "mobile" if is_mobile(number) else "landline"
    return f"{number.as_national} ({kind})"


class CallForm(FollowUpsMixin, GDSFormMixin, forms.Form):
    """The welfare call: what happened first, and under it only that outcome's questions (the
    script's answers belong to "spoke to tenant"). One form, one call."""

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
        help_text="The expected discharge date: calls pause until then.",
    )
    discharge_date_not_known = forms.BooleanField(
        label="Not known",
        help_text=(
            f"Nobody knows the discharge date yet: calls pause for {HOSPITAL_DATE_NOT_KNOWN_DAYS}"
            " days, then the tenant is called to ask again."
        ),
        required=False,
    )
    # The outcomes that take the tenant out of the call queue (a hospital stay, a decline, a
    # death reported) are never one click: each has a tick saying what follows.
    hospital_confirmed = forms.BooleanField(
        label="Yes, the tenant is in hospital",
        help_text=(
            "Their call is closed and calls pause until the date above (or for "
            f"{HOSPITAL_DATE_NOT_KNOWN_DAYS} days if it is not known). If they are due then, "
            "they come back to the queue."
        ),
        required=False,
    )
    decline_confirmed = forms.BooleanField(
        label="Yes, the tenant asked us to stop welfare calls",
        help_text=(
            'They leave the call queue until someone clears "Declined welfare calls" on their '
            "record. If they are struggling or at risk, say so in the notes."
        ),
        required=False,
    )
    deceased_confirmed = forms.BooleanField(
        label="Yes, we were told the tenant has died",
        help_text=(
            "Their calls stop, their open requests close, and a manager is asked to confirm the "
            "death. Say who told you in the notes."
        ),
        required=False,
    )
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )

    def __init__(
        self, *args, tenant, campaigns=(), family_contacts=None, numbers=None, today=None, **kwargs
    ):
        """`family_contacts`: the tenant's contacts if the caller has read them (then the
        field is left out without a query when none has consented); `numbers`: the tenant's
        `contact_numbers()` if the caller has read them; `today`: the date hints' examples are
        a week after it (a fixed example goes by, and a past date is refused)."""
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        example = example_date(today=today)
        self.fields["call_back_date"].help_text = example
        self.fields["in_hospital_until"].help_text += f" {example}"
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
        if family_contacts is not None:
            consenting = any(contact.consent_to_updates for contact in family_contacts)
        else:
            consenting = contacts.exists()
        if not consenting:
            del self.fields["family_contact"]
        self._add_number_dialled(tenant.contact_numbers() if numbers is None else numbers)
        # The scripts are asked once the officer has spoken to the tenant: the programme's six
        # questions, then any other campaign's (welfare.campaign_forms).
        self._script = []
        if programme:
            # Beside another campaign's script, say whose these six questions are.
            others = [c for c in self.campaigns if not c.uses_welfare_script]
            named = [f"{c}: the script" for c in campaigns if c.uses_welfare_script and others]
            self._script = [
                Fieldset(
                    *[Field.textarea(f"answer_{i}", rows=2) for i in range(len(SCRIPT))],
                    legend=named[0] if named else "The script",
                    legend_size=Size.SMALL,
                )
            ]
        self._script_fields = [f"answer_{i}" for i in range(len(SCRIPT) if programme else 0)]
        before = set(self.fields)
        self._script += add_campaign_scripts(self, self.campaigns)
        self._script_fields += [name for name in self.fields if name not in before]
        self.helper.layout = Layout(
            "idempotency_key",
            *(["number_dialled"] if self.number_shown else []),
            SmallConditionalRadios(
                "outcome",
                *[
                    RevealedQuestion(label, *self._layout_of(value))
                    for value, label in Call.Outcome.choices
                ],
            ),
            Field.textarea("notes", rows=2),
        )
        self.helper.legend_size = Size.MEDIUM

    def _add_number_dialled(self, contact_numbers):
        """The number the officer dialled, as the page showed it: with two or more numbers to
        dial, "Wrong or dead number" asks which (only that one is marked wrong); with one, it is
        posted in a hidden field. `call_log` marks the number posted, never the one to dial when
        the form arrives (a colleague may have changed the numbers meanwhile)."""
        numbers = [n.number for n in contact_numbers if n.status == PhoneNumber.Status.GOOD]
        own = [str(n.number) for n in contact_numbers]
        if len(numbers) == 1:
            self.fields["number_dialled"] = ShownNumberField(
                choices=[(str(numbers[0]), "")],
                own=own,
                initial=str(numbers[0]),
                required=False,
                error_messages={"invalid_choice": "The number dialled is not the tenant's"},
            )
        if len(numbers) < 2:
            return
        self.fields["number_dialled"] = NumberDialledField(
            label="Which number was wrong?",
            choices=[(str(number), number_label(number)) for number in numbers],
            own=own,
            widget=forms.RadioSelect,
            required=False,
            error_messages={"invalid_choice": "Select which number was wrong from the list"},
        )

    @property
    def number_shown(self):
        """Whether the number dialled is posted in a hidden field (one number to dial)."""
        return isinstance(self.fields.get("number_dialled"), ShownNumberField)

    def _layout_of(self, outcome):
        if outcome != Call.Outcome.SPOKE:
            return self.follow_ups_of(outcome)
        return [*self._script, *self.follow_ups_of(outcome)[len(self._script_fields) :]]

    def follow_ups_of(self, outcome):
        """The fields that belong to `outcome`: asked only when it is chosen."""
        if outcome == Call.Outcome.SPOKE:
            script = self._script_fields
            return [*script, "wellbeing", "needs", *(["family_contact"] if self._family else [])]
        if outcome == Call.Outcome.CALL_BACK:
            return ["call_back_date", "call_back_time"]
        if outcome == Call.Outcome.IN_HOSPITAL:
            return ["in_hospital_until", "discharge_date_not_known", "hospital_confirmed"]
        if outcome == Call.Outcome.DECLINED:
            return ["decline_confirmed"]
        if outcome == Call.Outcome.DECEASED:
            return ["deceased_confirmed"]
        if outcome == Call.Outcome.WRONG_NUMBER and self._asks_number:
            return ["number_dialled"]
        return []

    @property
    def _asks_number(self):
        return "number_dialled" in self.fields and not self.number_shown

    @property
    def _family(self):
        return "family_contact" in self.fields

    follow_up_field = "outcome"
    CONFIRMATIONS = [
        (Call.Outcome.IN_HOSPITAL, "hospital_confirmed", "Confirm that the tenant is in hospital"),
        (
            Call.Outcome.DECLINED,
            "decline_confirmed",
            "Confirm that the tenant asked us to stop welfare calls",
        ),
        (
            Call.Outcome.DECEASED,
            "deceased_confirmed",
            "Confirm that you were told the tenant has died",
        ),
    ]

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        now = timezone.now()
        cleaned = self.clean_follow_ups(cleaned)
        if outcome == Call.Outcome.SPOKE:
            if not cleaned.get("wellbeing"):
                self.add_error("wellbeing", "Select how the tenant is")
            # The request raised carries the call's notes: "Other" alone says nothing.
            if Need.OTHER in cleaned.get("needs", []) and not cleaned.get("notes", "").strip():
                self.add_error("notes", 'Say in the notes what the "Other" need is')
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
                latest = timezone.localtime(now).date() + timedelta(days=CALL_BACK_MAX_DAYS)
                if when <= now:
                    self.add_error("call_back_date", "The time to call back must be in the future")
                elif day > latest:
                    self.add_error(
                        "call_back_date",
                        f"The date to call back must be within {CALL_BACK_MAX_DAYS} days: "
                        f"{latest:%-d %B %Y} or earlier",
                    )
                cleaned["call_back_at"] = when
        for chosen, tick, error in self.CONFIRMATIONS:
            if outcome == chosen and not cleaned.get(tick):
                self.add_error(tick, error)
        if outcome != Call.Outcome.WRONG_NUMBER:
            cleaned["number_dialled"] = None
        elif "number_dialled" in self.fields and not cleaned.get("number_dialled"):
            if self.number_shown:
                # The page showed no number to dial (or came before this field): one is now.
                self.add_error(
                    None,
                    "The tenant's numbers changed since this page was opened: check the number "
                    "above, then save the call again",
                )
            elif "number_dialled" not in self.errors:
                self.add_error("number_dialled", "Select which number was wrong")
        if outcome == Call.Outcome.IN_HOSPITAL:
            until = cleaned.get("in_hospital_until")
            today = timezone.localtime(now).date()
            latest = today + timedelta(days=IN_HOSPITAL_MAX_DAYS)
            not_known = cleaned.get("discharge_date_not_known")
            if not_known and (until or "in_hospital_until" in self.errors):
                self.add_error(
                    "in_hospital_until",
                    'Enter the date the tenant is in hospital until, or tick "Not known": not both',
                )
            elif not_known:
                until = today + timedelta(days=HOSPITAL_DATE_NOT_KNOWN_DAYS)
                cleaned["in_hospital_until"] = until
            elif until is None and "in_hospital_until" not in self.errors:
                self.add_error(
                    "in_hospital_until",
                    'Enter the date the tenant is in hospital until, or tick "Not known"',
                )
            elif until and until <= today:
                self.add_error(
                    "in_hospital_until",
                    "The date the tenant is in hospital until must be in the future: it is "
                    "when calls start again",
                )
            elif until and until > latest:
                self.add_error(
                    "in_hospital_until",
                    f"The date the tenant is in hospital until must be {latest:%-d %B %Y} or "
                    f"earlier ({IN_HOSPITAL_MAX_DAYS} days ahead). For a longer stay, enter "
                    f"{latest:%-d %B %Y}: they are called then to ask again",
                )
        else:
            cleaned["in_hospital_until"] = None
            cleaned["discharge_date_not_known"] = False
        spoke = outcome == Call.Outcome.SPOKE
        cleaned["answers"] = [
            cleaned.get(f"answer_{i}", "") if spoke else "" for i in range(len(SCRIPT))
        ]
        cleaned["campaign_answers"] = campaign_answers(cleaned, self.campaigns)
        return cleaned

    def as_typed(self):
        """The form as the officer left it (a kept draft, welfare.call_drafts), not checked: it
        was not sent to be saved, so it shows no errors until Save is pressed."""
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        return self

    def typed_fields(self):
        """What was typed in the form's boxes, as (label, text), whether or not it is valid:
        shown read-only beside a call already recorded, so nothing typed is silently lost."""
        typed = []
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Textarea | forms.TextInput):
                text = str(self.data.get(self.add_prefix(name), "")).strip()
                if text:
                    typed.append((field.label, text))
        return typed

    def typed_text(self, recorded=None):
        """What the officer typed, in words: the note added to `recorded`, a call already
        recorded. "Amended to" only when the outcome (or how the tenant is) differs from it."""
        data = self.cleaned_data
        labels = dict(Call.Outcome.choices)
        outcome = f"{labels.get(data.get('outcome'), '')}".rstrip()
        if data.get("wellbeing"):
            outcome += f", {dict(WELLBEING)[data['wellbeing']].lower()}"
        unchanged = recorded is not None and (recorded.outcome, recorded.wellbeing or "") == (
            data.get("outcome"),
            data.get("wellbeing") or "",
        )
        lines = ["Note added" if unchanged else f"Amended to: {outcome}"]
        for question, answer in zip(SCRIPT, data.get("answers", []), strict=False):
            if answer:
                lines.append(f"{question} {answer}")
        if data.get("needs"):
            needs = dict(Need.choices)
            lines.append("Needs: " + ", ".join(needs[need] for need in data["needs"]))
        if data.get("call_back_at"):
            lines.append(f"Call back: {timezone.localtime(data['call_back_at']):%-d %B %Y %H:%M}")
        if data.get("in_hospital_until"):
            lines.append(f"In hospital until {data['in_hospital_until']:%-d %B %Y}")
            if data.get("discharge_date_not_known"):
                lines[-1] += " (discharge date not known)"
        if data.get("notes"):
            lines.append(data["notes"])
        return "\n".join(lines)


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
