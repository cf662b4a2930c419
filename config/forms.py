import re
from datetime import time

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import ConditionalQuestion
from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

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
    """A radio choice with its follow-up fields shown beneath it, without the reveal script."""

    template = "services/layout/revealed_question.html"
