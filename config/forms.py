import re
from datetime import time, timedelta

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import ConditionalQuestion
from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy

# crispy-forms-gds marks only text inputs, selects and textareas as in error (STACK.md).
_UNMARKED_WIDGETS = (
    forms.EmailInput,
    forms.NumberInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.URLInput,
    forms.PasswordInput,
)


class FilterForm(forms.Form):
    """A list's filter from the address (GET): the dashboard's lists, the call queue, the arrears
    list. A value that is not one of a filter's choices is refused: the page shows the error and
    no rows, never the whole list as if there were no filter."""

    @property
    def refused(self):
        return self.is_bound and not self.is_valid()

    @property
    def status_code(self):
        """The list page's answer: 400 for a refused filter, as for any refused form (the page
        still shows the error, what was typed, and no rows), else 200."""
        return 400 if self.refused else 200

    def values(self):
        return self.cleaned_data if self.is_valid() else dict.fromkeys(self.fields, "")

    def kept_values(self):
        """What the filter shows: as `values`, but a refused filter keeps the fields that were
        valid (the period chosen beside a team that is not one of the choices), so nothing
        typed is lost. Never for a query: a refused filter lists nothing."""
        if not self.refused:
            return self.values()
        return {**dict.fromkeys(self.fields, ""), **self.cleaned_data}


class GDSFormMixin:
    """Render with the GOV.UK template pack inside a template's own <form> tag."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            field = self.fields.get(name)
            if field is not None and isinstance(field.widget, _UNMARKED_WIDGETS):
                css = field.widget.attrs.get("class", "govuk-input")
                if "govuk-input--error" not in css:
                    field.widget.attrs["class"] = f"{css} govuk-input--error"


_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")


def parse_time(text):
    """'9:30', '09.30', '0930', '17:00', '9am', '2.30pm', '12pm' (midday): a time, or None."""
    match = _TIME.match(text.strip().lower().replace(" ", ""))
    if not match:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match[2] is None and len(match[1]) > 2:
        return None
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def example_date(days=7, today=None):
    """ "For example, 7 12 2026": a date `days` after `today` (default: today), as a GOV.UK
    date input's hint writes it."""
    day = (today or timezone.localdate()) + timedelta(days=days)
    return f"For example, {day.day} {day.month} {day.year}"


_lazy_example = lazy(example_date, str)


def date_example(before="", *, past=False):
    """A date field's hint: `before`, then an example date a week ahead (or, for a date that
    must not be in the future, a week ago), worked out each time the form is shown: a fixed
    example ("27 3 2026") goes by, and then names a date the form refuses."""
    example = _lazy_example(-7 if past else 7)
    return format_lazy("{} {}", before, example) if before else example


class DateField(DateInputField):
    """Day, month and year inputs, with a GOV.UK message for a date that does not exist.

    A date must also fall within `years_back` years before today and `years_ahead` after it: a
    typed year of 1 or 2206 is a typo, and once saved it moves calls or holds arrears escalation.
    """

    def __init__(self, *, error_messages=None, years_back=10, years_ahead=2, **kwargs):
        super().__init__(**kwargs)  # it sets its own error_messages: ours go on top
        self.error_messages.update(error_messages or {})
        self.years_back, self.years_ahead = years_back, years_ahead

    def compress(self, data_list):
        # A part of only spaces is stripped to nothing after the "all or none" check: without
        # this a required date came back as None and reached the model (found by Hypothesis).
        if any(data_list) and not all(data_list):
            self._refuse(self.error_messages["incomplete"])
        try:
            return super().compress(data_list)
        except (ValidationError, OverflowError):  # OverflowError: a year of 20 digits
            self._refuse("The date must be a real date")

    def validate(self, value):
        super().validate(value)
        if value is None:
            if self.required:
                self._refuse(self.error_messages["required"])
            return
        today = timezone.localdate()
        earliest = today - relativedelta(years=self.years_back)
        latest = today + relativedelta(years=self.years_ahead)
        if not earliest <= value <= latest:
            self._refuse(f"The date must be between {_day(earliest)} and {_day(latest)}")

    def _refuse(self, message):
        self.fields[0].widget.errors = [message]  # the error summary links to the day
        raise ValidationError(message) from None


def _day(value):
    return f"{value.day} {value:%B %Y}"


class RevealedQuestion(ConditionalQuestion):
    """A radio choice with its follow-up fields beneath it, shown by GOV.UK Frontend's
    conditional reveal only while it is chosen. Use it with `FollowUpsMixin`."""

    template = "services/layout/revealed_question.html"


class FollowUpsMixin:
    """A form whose radio `follow_up_field` reveals questions under some of its choices.

    `follow_ups_of(choice)` names the fields under a choice. The questions of choices not
    chosen have no errors of their own; anything typed in them is refused with a message that
    says so (hidden fields are still sent), never dropped silently. Call `clean_follow_ups`
    from `clean`."""

    follow_up_field = ""
    follow_ups = {}

    def follow_ups_of(self, choice):
        return list(self.follow_ups.get(choice, []))

    def _filled(self, name):
        widget = self.fields[name].widget
        value = widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        if isinstance(value, list | tuple):
            return any(str(part).strip() for part in value if part is not None)
        return bool(value and str(value).strip())

    def clean_follow_ups(self, cleaned):
        chosen = cleaned.get(self.follow_up_field)
        labels = {str(value): label for value, label in self.fields[self.follow_up_field].choices}
        wanted = set(self.follow_ups_of(chosen))
        every = {name for choice in labels for name in self.follow_ups_of(choice)}
        stray = [
            choice
            for choice in labels
            if choice != chosen
            and any(
                name not in wanted and self._filled(name) for name in self.follow_ups_of(choice)
            )
        ]
        for name in every - wanted:
            self._errors.pop(name, None)
            cleaned.pop(name, None)
        for other in stray if chosen else []:
            self.add_error(
                self.follow_up_field,
                f'You filled in questions under "{labels[other]}" but chose '
                f'"{labels[chosen]}": choose "{labels[other]}" to see and clear them, or to '
                "keep them",
            )
        return cleaned
