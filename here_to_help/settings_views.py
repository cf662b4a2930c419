"""Here to Help settings managers change (issue 20): targets per need, directory validity."""

from crispy_forms_gds.helper import FormHelper
from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from accounts.access import manager_required
from config.forms import GDSFormMixin

from .models import HelpSettings, Need, directory_valid_days, target_working_days

TARGET_LIMITS = (1, 30)
VALID_LIMITS = (7, 365)


def _number(low, high, label, help_text=""):
    message = f"Enter a number from {low} to {high}"
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(
            attrs={"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}
        ),
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class HelpSettingsForm(GDSFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for need in Need:
            self.fields[f"target_{need.value}"] = _number(
                *TARGET_LIMITS, f"{need.label}: target (working days)"
            )
        self.fields["directory_valid_days"] = _number(
            *VALID_LIMITS,
            "Days a directory entry stays validated",
            "Entries not validated for longer are flagged and not offered when signposting.",
        )
        self.helper = FormHelper(self)  # the mixin's helper was made before these fields
        self.helper.form_tag = False
        self.helper.disable_csrf = True


@manager_required
def help_settings(request):
    initial = {f"target_{need.value}": target_working_days(need.value) for need in Need}
    initial["directory_valid_days"] = directory_valid_days()
    form = HelpSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        targets = {need.value: data[f"target_{need.value}"] for need in Need}
        with transaction.atomic():
            row = HelpSettings.objects.select_for_update().filter(pk=1).first() or HelpSettings()
            row.target_working_days = targets
            row.directory_valid_days = data["directory_valid_days"]
            row._history_user = request.user
            row.save()
        messages.success(
            request,
            "Saved. New requests' targets follow at once; requests already raised keep theirs.",
        )
        return redirect("help:settings")
    changes = HelpSettings.history.select_related("history_user").order_by("-history_date")[:20]
    for change in changes:
        change.targets_text = ", ".join(
            f"{need.label} {change.target_working_days.get(need.value, '-')}" for need in Need
        )
    return render(request, "help/settings.html", {"form": form, "changes": changes})
