import re
from datetime import time

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import ConditionalQuestion
from django import forms
from django.core.exceptions import ValidationError

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
    """Day, month and year inputs, with a GOV.UK message for a date that does not exist."""

    def __init__(self, *, error_messages=None, **kwargs):
        super().__init__(**kwargs)  # it sets its own error_messages: ours go on top
        self.error_messages.update(error_messages or {})

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except ValidationError:
            message = "The date must be a real date"
            self.fields[0].widget.errors = [message]  # the error summary links to the day
            raise ValidationError(message) from None


class RevealedQuestion(ConditionalQuestion):
    """A radio choice with its follow-up fields shown beneath it, without the reveal script."""

    template = "services/layout/revealed_question.html"
