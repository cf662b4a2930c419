"""The tenant's email address, added, changed or removed in the app, so that GOV.UK Notify's
emails (messaging) reach a tenant the phone does not. The rule a re-import keeps it by is
`Tenant.email_in_file`'s."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import staff_required
from accounts.submit_once import submit_once
from config.forms import GDSFormMixin

from . import selectors
from .actions import EmailChangedMeanwhile, tenant_email_set


class EmailForm(GDSFormMixin, forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="Leave it blank to remove the address held",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Enter an email address of 254 characters or fewer",
        },
        widget=forms.EmailInput(
            attrs={"class": "govuk-input", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    # Kept in the record's history, whose reason holds at most 100 characters.
    reason = forms.CharField(
        label="Reason",
        help_text="For example, the tenant gave it on a call",
        max_length=100,
        error_messages={
            "required": "Enter the reason",
            "max_length": "The reason must be 100 characters or fewer",
        },
    )
    # The address the page showed: a change made by someone else since is told, not overwritten.
    shown = forms.CharField(required=False, max_length=254, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if "email" in data and not data["email"] and not data.get("shown"):
            self.add_error("email", "Enter the email address")
        return data


@staff_required
@submit_once
def email(request, pk):
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    form = EmailForm(request.POST or None, initial={"email": tenant.email, "shown": tenant.email})
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = tenant_email_set(
                tenant=tenant,
                email=data["email"],
                shown=data["shown"],
                reason=data["reason"],
                by=request.user,
            )
        except EmailChangedMeanwhile as now:
            who = f" by {now.by}" if now.by else ""
            when = f" at {timezone.localtime(now.at):%H:%M on %-d %B %Y}" if now.at else ""
            held = now.email or "no address"
            form.add_error(
                "email",
                f"The email address was changed to {held}{who}{when}, after this page was "
                "opened: nothing was changed. Check it and save again if yours is right",
            )
            # Saving again now changes the address as it is held.
            form.data = form.data.copy()
            form.data["shown"] = now.email
        else:
            if not changed:
                said = data["email"] or "No email address"
                messages.info(request, f"{said} was already held: nothing was changed.")
            elif data["email"]:
                messages.success(request, f"Email address saved: {data['email']}.")
            else:
                messages.success(request, "Email address removed.")
            return redirect("tenants:record", pk=tenant.pk)
    return render(
        request,
        "tenants/email.html",
        {"tenant": tenant, "form": form},
        status=400 if form.is_bound else 200,
    )
