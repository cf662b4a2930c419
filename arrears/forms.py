from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy

from accounts.access import in_team_scope, teams_in_scope
from accounts.models import Team
from config.forms import DateField as BaseDateField
from config.forms import FilterForm, GDSFormMixin, date_example

from .models import ArrearsFlag, SupportOffer
from .money import NotAnAmount, parse_pounds
from .selectors import BALANCE_BANDS, REVIEW_FILTERS, STATUS_FILTERS

# A typo in the year should not hold escalation until 2062.
LATEST_REVIEW = timedelta(days=366)
REASON_HELP = "Kept in the flag's history, with your name and the time."


class DateField(BaseDateField):
    """A GOV.UK date input that can insist on a date in the past or the future."""

    def __init__(self, *, past=False, future=False, **kwargs):
        kwargs.setdefault("help_text", date_example(past=past))
        super().__init__(**kwargs)
        self.past, self.future = past, future

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        today = timezone.localdate()
        message = None
        if self.past and value > today:
            message = "The date must be today or in the past"
        elif self.future and value < today:
            message = "The date must be today or in the future"
        elif self.future and value > today + LATEST_REVIEW:
            message = "The date must be within a year from today"
        if message:
            self.fields[0].widget.errors = [message]
            raise ValidationError(message)


class PoundsField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_pounds(value)
        except NotAnAmount:
            raise ValidationError(
                "Enter an amount in pounds and pence, like £12.50", code="invalid"
            ) from None


class RaiseFlagForm(GDSFormMixin, forms.Form):
    reported_on = DateField(
        label="Date the tenant reported losing income",
        past=True,
        error_messages={"required": "Enter the date the tenant reported it"},
    )
    reason = forms.ChoiceField(
        label="Why the tenant lost income",
        choices=ArrearsFlag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the tenant lost income"},
    )
    details = forms.CharField(
        label="Details",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the reason is Other",
    )
    # Required: a flag holds the usual arrears escalation until this date, and one without it
    # held escalation with no end and never came up as a review due.
    review_date = DateField(
        label="Review date",
        future=True,
        help_text=date_example("Usual arrears escalation is held until this date."),
        error_messages={
            "required": "Enter the review date: usual arrears escalation is held until then"
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == ArrearsFlag.Reason.OTHER and not data.get("details"):
            self.add_error("details", "Enter the details of why the tenant lost income")
        return data


class ReviewDateForm(GDSFormMixin, forms.Form):
    review_date = DateField(
        label="Review date",
        future=True,
        help_text=date_example("Usual arrears escalation is held until this date."),
        error_messages={"required": "Enter the review date"},
    )
    reason = forms.CharField(
        label="Reason for the date",
        help_text=REASON_HELP,
        max_length=200,
        error_messages={"required": "Enter the reason for the review date"},
    )

    def __init__(self, *args, current=None, **kwargs):
        # The current date is the box's starting value only while it is still ahead: one that
        # has come (today) or gone is the date being replaced, and left in the box it made an
        # unchanged Save a refusal ("must be today or in the future"). It is named in the hint
        # instead, and the officer types the new date.
        today = timezone.localdate()
        ahead = current is not None and current > today
        if ahead:
            kwargs["initial"] = {"review_date": current, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.current, self.current_ahead = current, ahead
        if current is not None and not ahead:
            when = "overdue" if current < today else "due today"
            field = self.fields["review_date"]
            field.help_text = format_lazy(
                "Current review date: {} ({}). {}",
                f"{current.day} {current:%B %Y}",
                when,
                field.help_text,
            )

    def clean_review_date(self):
        value = self.cleaned_data["review_date"]
        if self.current and value == self.current:
            raise ValidationError("The review date is already this date: choose another")
        return value


class SupportForm(GDSFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Support offered",
        choices=SupportOffer.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the support offered"},
    )
    agency = forms.CharField(
        label="Agency",
        required=False,
        max_length=200,
        help_text="For an external agency only: for example, Citizens Advice or StepChange",
    )
    weekly_amount = PoundsField(
        label="Amount per week towards the arrears",
        required=False,
        help_text="For a payment arrangement only. For example, £12.50",
    )
    offered_on = DateField(
        label="Date offered", past=True, error_messages={"required": "Enter the date offered"}
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=SupportOffer.Outcome.choices,
        initial=SupportOffer.Outcome.PENDING,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome"},
    )
    outcome_on = DateField(
        label="Date of the outcome",
        required=False,
        past=True,
        help_text=date_example("Leave blank while waiting for an outcome.", past=True),
    )
    outcome_notes = forms.CharField(
        label="Outcome notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == SupportOffer.Kind.EXTERNAL_AGENCY and not data.get("agency"):
            self.add_error("agency", "Enter the name of the agency")
        elif kind and data.get("agency") and kind != SupportOffer.Kind.EXTERNAL_AGENCY:
            # Only an external agency keeps a name (support_record and the model drop it): refused
            # with the name kept in the box, never dropped unseen.
            self.add_error(
                "agency",
                "Only an external agency has an agency name: clear it, or put it in the notes",
            )
        amount = data.get("weekly_amount")
        if amount is not None:
            if kind and kind != SupportOffer.Kind.PAYMENT_ARRANGEMENT:
                self.add_error("weekly_amount", "Only a payment arrangement has an amount")
            elif amount <= 0:
                self.add_error("weekly_amount", "The amount must be more than £0")
            elif amount >= 100000:
                self.add_error("weekly_amount", "The amount must be less than £100,000")
        if (
            kind == SupportOffer.Kind.PAYMENT_ARRANGEMENT
            and data.get("outcome") == SupportOffer.Outcome.AGREED
            and amount is None
            and "weekly_amount" not in self.errors
        ):
            self.add_error("weekly_amount", "Enter the amount per week that was agreed")
        _check_outcome(self, data, data.get("offered_on"))
        return data


class OutcomeForm(GDSFormMixin, forms.Form):
    outcome = SupportForm.base_fields["outcome"]
    outcome_on = SupportForm.base_fields["outcome_on"]
    outcome_notes = SupportForm.base_fields["outcome_notes"]

    def __init__(self, *args, offered_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offered_on = offered_on

    def clean(self):
        data = super().clean()
        _check_outcome(self, data, self.offered_on)
        return data


def _check_outcome(form, data, offered_on=None):
    outcome, on = data.get("outcome"), data.get("outcome_on")
    if outcome and outcome != SupportOffer.Outcome.PENDING and not on:
        form.add_error("outcome_on", "Enter the date of the outcome")
    if outcome == SupportOffer.Outcome.PENDING and on:
        form.add_error("outcome_on", "Leave the date blank while waiting for an outcome")
    elif on and offered_on and on < offered_on:
        form.add_error(
            "outcome_on",
            f"The date of the outcome must be on or after the date the support was offered, "
            f"{offered_on.day} {offered_on:%B %Y}",
        )


class CloseFlagForm(GDSFormMixin, forms.Form):
    closed_on = DateField(
        label="Date closed", past=True, error_messages={"required": "Enter the date closed"}
    )
    reason = forms.CharField(
        label="Why the flag is closed",
        help_text="For example, back in work and the arrears are cleared",
        max_length=200,
        error_messages={"required": "Enter why the flag is closed"},
    )


class FlagFilterForm(FilterForm):
    """The arrears list's filter. A value that is not one of its choices, or a team the user may
    not see, is `refused`: the page shows the error and no flags, never every flag they can see
    passing for the filter asked for."""

    reason = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "Any reason"), *ArrearsFlag.Reason.choices]
    )
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_FILTERS)
    review = forms.ChoiceField(label="Review", required=False, choices=REVIEW_FILTERS)
    band = forms.ChoiceField(
        label="Balance",
        required=False,
        choices=[("", "Any balance"), *((code, label) for code, label, _ in BALANCE_BANDS)],
    )
    # The team of the tenant's patch, as the dashboard counts flags: its figures link here.
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the teams the user may see (the list's own scope): offering another team could
        # only ever answer "No flags match".
        teams = [(str(pk), name) for pk, name in teams_in_scope(user).values_list("pk", "name")]
        if in_team_scope(user, None):
            teams.append(("none", "No team (no patch)"))
        # A team in the address the user may not see (or that does not exist): said plainly.
        self.team_refusal = _team_refusal(self.data.get("team", ""), dict(teams))
        if len(teams) > 1:
            self.fields["team"].choices = [("", "All teams"), *teams]
            if self.team_refusal:  # Django formats it with %: a team's name may hold one
                invalid = self.team_refusal.replace("%", "%%")
                self.fields["team"].error_messages["invalid_choice"] = invalid
        else:
            del self.fields["team"]  # one team: nothing to choose

    def clean(self):
        data = super().clean()
        if self.team_refusal and "team" not in self.fields:
            self.add_error(None, self.team_refusal)
        return data


class UnflaggedFilterForm(FilterForm):
    """The filter of the tenants in arrears with no open flag, from the address. A value that is
    not an amount or a whole number of weeks is `refused`: its error and no tenants listed."""

    min_balance = PoundsField(
        label="Owes at least", required=False, help_text="In pounds, for example £500"
    )
    min_weeks = forms.IntegerField(
        label="Weeks of rent owed, at least",
        required=False,
        min_value=1,
        max_value=520,
        help_text="Only tenants whose weekly rent is known",
        error_messages={
            "invalid": "Enter a whole number of weeks, like 4",
            "min_value": "Enter 1 week or more",
            "max_value": "Enter 520 weeks or fewer",
        },
    )

    def clean_min_balance(self):
        value = self.cleaned_data["min_balance"]
        if value is not None and value <= 0:
            raise ValidationError("Enter an amount more than £0")
        return value


def _team_refusal(asked, teams):
    """Why `asked` (the address's team) is not one of `teams`, the user's to choose; or ""."""
    if not asked or asked in teams:
        return ""
    if asked == "none":
        return "You cannot see the flags of tenants with no patch"
    if asked.isdigit() and len(asked) < 10:
        name = Team.objects.filter(pk=int(asked)).values_list("name", flat=True).first()
        if name:
            return f"You cannot see {name}'s flags"
    return f"There is no team {asked} whose flags you can see"
