from crispy_forms_gds.helper import FormHelper
from django import forms

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
