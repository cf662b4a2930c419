import uuid

from crispy_forms_gds.templatetags.crispy_forms_gds import field_errors
from django import forms
from django.template import Library
from django.utils.html import format_html

register = Library()

# Radios and checkboxes are numbered from 1 (crispy-forms-gds, and RevealedQuestion), date
# inputs' day, month and year from 0: the error summary links to the first of them.
_CHOICES = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.filter
def error_targets(bound_field):
    """Like crispy-forms-gds's `field_errors`, but each link goes to an element that can take
    focus: the first radio or checkbox of a group, the day of a date."""
    widget = bound_field.field.widget
    items = []
    for field_id, errors in field_errors(bound_field):
        if field_id == bound_field.auto_id:
            if isinstance(widget, _CHOICES):
                field_id = f"{field_id}_1"
            elif isinstance(widget, forms.MultiWidget):
                field_id = f"{field_id}_0"
        items.append((field_id, errors))
    return items


@register.simple_tag
def form_key():
    """A fresh key for a form, so that sending it twice saves once (`accounts.submit_once`)."""
    return format_html('<input type="hidden" name="form_key" value="{}">', uuid.uuid4())
