from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When

from messaging.actions import normalise_address
from services.models import Service, ServiceGroup

from .models import Channel


class SubscribeForm(forms.Form):
    channel = forms.ChoiceField(
        label="How do you want to hear from us?",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose email or text message"},
    )
    email = forms.CharField(label="Email address", required=False, max_length=320)
    phone = forms.CharField(label="Mobile number", required=False, max_length=30)
    services = forms.ModelMultipleChoiceField(
        label="Which services?",
        # By group, as the status page lists them, so a service is found where it is there.
        queryset=Service.objects.order_by(
            Case(
                *(When(group=group, then=Value(i)) for i, group in enumerate(ServiceGroup.values)),
                output_field=IntegerField(),
            ),
            "position",
            "name",
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose none to hear about all of them.",
    )

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        field = "email" if channel == Channel.EMAIL else "phone"
        if channel:
            value = data.get(field, "").strip()
            if not value:
                self.add_error(field, f"Enter your {self.fields[field].label.lower()}")
            else:
                try:
                    data["address"] = normalise_address(channel, value)
                except ValidationError as error:
                    self.add_error(field, error)
        return data


class CodeForm(forms.Form):
    phone = forms.CharField(label="Mobile number", max_length=30)
    code = forms.CharField(label="Code", max_length=6, min_length=6)
