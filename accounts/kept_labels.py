"""What "Send what you typed?" (accounts.kept_post) calls each kept field, and each value.

A kept form is only names and values ("outcome: spoke"). The view the form was going to can say
which form classes it reads (`@labelled_by(CallForm)` on a function view; a class-based view's
`form_class` says it already), and then each field is shown with that form's label and each
choice with its label ("What happened?: Spoke to tenant"). Only the classes' declared fields are
read, never a form built for a request: choices and fields a form adds in `__init__` (from the
database, for one tenant) are not known here, so they are shown as a readable name and the
value sent. accounts knows no app's forms: the apps hand it theirs through the view.
"""

import re
import uuid
from urllib.parse import urlsplit

from django import forms
from django.forms.utils import pretty_name
from django.urls import Resolver404, resolve

ATTRIBUTE = "kept_post_forms"
# Fields a form carries for the service, not typed by anyone: not shown, but sent again.
UNSHOWN_FIELDS = {"next", "form_key", "idempotency_key", "held_since"}  # welfare.call_lapse
_PART = re.compile(r"^(.+)_(\d+)$")  # a part of a MultiValueField, as a date's day, month, year


def labelled_by(*form_classes):
    """Mark a view that takes a POST with the form classes it reads, first one first: their
    labels and choices name a form kept for it when the session ended. Any decorator order."""

    def decorate(view):
        setattr(view, ATTRIBUTE, form_classes)
        return view

    return decorate


def declared_fields(path):
    """The fields, by name, of the forms the view at `path` (a kept form's address) reads."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return {}
    classes = getattr(match.func, ATTRIBUTE, None)
    if classes is None:
        form_class = getattr(getattr(match.func, "view_class", None), "form_class", None)
        classes = (form_class,) if form_class else ()
    fields = {}
    for form_class in reversed(classes):
        fields.update(form_class.base_fields)
    return fields


def is_secret(name, fields):
    """A field whose form asks for it as a password, whatever it is called."""
    field = fields.get(name)
    return field is not None and isinstance(field.widget, forms.PasswordInput)


def readable_rows(kept_fields, path, typed_only=True):
    """The kept fields as rows to read: each field's label and what was typed or chosen; with
    `typed_only=False`, the others: what the page itself put in the form (its keys)."""
    declared = declared_fields(path)
    rows, parts = [], {}
    for name, values in kept_fields:
        typed = [value for value in values if value.strip()]
        field, whole = _field(name, declared)
        by_page = (
            name in UNSHOWN_FIELDS
            or (field is not None and field.widget.is_hidden)
            or all(_is_key(value) for value in typed)
        )
        if not typed or by_page == typed_only or is_secret(name, declared):
            continue
        if whole is not None:  # a date's day, month and year: one row, "7 12 2026"
            if whole in parts:
                parts[whole]["values"] = [f"{parts[whole]['values'][0]} {' '.join(typed)}"]
                continue
            parts[whole] = row = {"name": _label(whole, field), "values": [" ".join(typed)]}
        else:
            row = {"name": _label(name, field), "values": [_value(field, v) for v in typed]}
        rows.append(row)
    return rows


def _field(name, declared):
    """The declared field `name` is, or is a part of (then also the field's own name)."""
    if name in declared:
        return declared[name], None
    match = _PART.match(name)
    if match and isinstance(declared.get(match[1]), forms.MultiValueField):
        return declared[match[1]], match[1]
    return None, None


def _label(name, field):
    if field is None:
        return name.replace("_", " ").strip().capitalize()
    return str(field.label) if field.label else pretty_name(name)


def _value(field, value):
    if isinstance(field, forms.BooleanField):
        return "No" if value.lower() in ("false", "0", "off") else "Yes"
    # A model's choices need a query, and only the form built for the request knows which rows
    # its person may see: the value sent, as for a field not declared.
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        label = _choice_labels(field.choices).get(value)
        return str(label) if label else value
    return value


def _choice_labels(choices):
    labels = {}
    for value, label in choices:
        if isinstance(label, list | tuple):  # a group of choices
            labels.update(_choice_labels(label))
        else:
            labels[str(value)] = label
    return labels


def _is_key(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
