"""Correcting a tenant's phone numbers: add one learned on a call, mark one wrong or dead
(DOMAIN.md, "Contact details"; the rule that combines them is `Tenant.contact_numbers`)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import staff_required
from config.forms import GDSFormMixin

from . import selectors
from .actions import phone_number_add, phone_number_mark
from .forms import PhoneNumberField
from .models import PhoneNumber
from .signals import Followed, tenant_numbers_changed

REASON = forms.CharField(
    label="Reason",
    help_text="For example, the tenant gave a new mobile on a call",
    max_length=500,
    error_messages={"required": "Enter the reason"},
)


class AddNumberForm(GDSFormMixin, forms.Form):
    number = PhoneNumberField(
        region="GB",
        label="New phone number",
        help_text="A UK number, for example 01772 123456",
        error_messages={
            "required": "Enter the phone number",
            "invalid": "Enter a real UK phone number, like 01772 123456",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "type": "tel"}),
    )
    reason = REASON

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.numbers = {str(n.number): n for n in numbers}

    def clean_number(self):
        """A number already marked wrong or dead is not added again as if new: that would undo
        the mark without a word. It is marked good again below, with the reason, instead."""
        number = self.cleaned_data["number"]
        held = self.numbers.get(str(number))
        if held is not None and held.status != PhoneNumber.Status.GOOD:
            when = f" on {held.at:%-d %B %Y}" if held.at else ""
            who = f" by {held.by}" if held.by else ""
            why = f" ({held.reason})" if held.reason else ""
            raise forms.ValidationError(
                f"{number.as_national} was marked {held.get_status_display().lower()}{when}"
                f'{who}{why}. If it is right after all, choose it under "Mark a number" as '
                "Good, with the reason"
            )
        if held is not None:
            raise forms.ValidationError(f"{number.as_national} is already a number to dial")
        return number


class MarkNumberForm(GDSFormMixin, forms.Form):
    number = forms.ChoiceField(
        label="Which number?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the number"},
    )
    status = forms.ChoiceField(
        label="What is it now?",
        choices=PhoneNumber.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the number is good, wrong or dead"},
    )
    reason = REASON

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [
            (str(n.number), f"{n.number.as_national} ({n.get_source_display().lower()})")
            for n in numbers
        ]


def _calls_follow(tenant):
    """What the apps above did about the change (a call passed to a manager, or queued again):
    each a `Followed`, in the same transaction."""
    responses = tenant_numbers_changed.send(sender=PhoneNumber, tenant=tenant, now=timezone.now())
    return [
        response if isinstance(response, Followed) else Followed(response)
        for _receiver, response in responses
        if response
    ]


def _tell(request, followed):
    for item in followed:
        messages.info(request, item.sentence)


def _next(request, followed, back):
    """Where the officer goes after a change: opened from a call (`back`), to the call that
    came back to the queue if one did (the call they came from closed when it passed to a
    manager), else to that call; otherwise this page again."""
    if back:
        return next((item.next_url for item in followed if item.next_url), back)
    return request.get_full_path()


@staff_required
def numbers(request, pk):
    tenant = selectors.get_tenant_for_user(request.user, pk, page=request.path)
    shown = tenant.contact_numbers()
    action = request.POST.get("action")
    add_form = AddNumberForm(request.POST if action == "add" else None, numbers=shown, prefix="add")
    mark_form = MarkNumberForm(
        request.POST if action == "mark" else None, numbers=shown, prefix="mark"
    )
    task = request.GET.get("task", "")
    back = f"/queue/task/{task}/" if task.isdigit() else None
    if action == "add" and add_form.is_valid():
        with transaction.atomic():
            row = phone_number_add(tenant=tenant, by=request.user, **add_form.cleaned_data)
            followed = _calls_follow(tenant)
        messages.success(request, f"{row.number.as_national} added: it is dialled first.")
        _tell(request, followed)
        return redirect(_next(request, followed, back))
    if action == "mark" and mark_form.is_valid():
        data = mark_form.cleaned_data
        with transaction.atomic():
            row = phone_number_mark(tenant=tenant, by=request.user, **data)
            followed = _calls_follow(tenant)
        messages.success(
            request, f"{row.number.as_national} marked {row.get_status_display().lower()}."
        )
        _tell(request, followed)
        return redirect(_next(request, followed, back))
    return render(
        request,
        "tenants/numbers.html",
        {
            "tenant": tenant,
            "numbers": shown,
            "add_form": add_form,
            "mark_form": mark_form,
            "back": back,
            # Left mid-call with what was typed kept (welfare's keep_draft): said on every
            # showing of the page, not only the first, which a flash message would be.
            "kept": bool(back) and request.GET.get("kept") == "1",
        },
        status=400 if action else 200,
    )
