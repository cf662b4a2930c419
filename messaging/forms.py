import uuid

from crispy_forms_gds.layout import ConditionalRadios, Field, Layout
from django import forms
from django.conf import settings

from config.forms import GDSFormMixin, RevealedQuestion

from . import audiences
from .models import Channel, ContactPreference, MessageKind

BODY_MAX = 900  # about six text messages: Notify charges per 160 characters


def _template_id(value):
    if not value:
        return ""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise forms.ValidationError(
            "Enter the template ID from Notify's Templates page, like "
            "f33517ff-2a88-4f6e-b855-c550268ce08a"
        ) from None


class MessageKindForm(GDSFormMixin, forms.ModelForm):
    class Meta:
        model = MessageKind
        fields = ["enabled", "sms_template_id", "email_template_id"]
        labels = {"enabled": "Send these messages"}
        help_texts = {
            "sms_template_id": "From Notify's Templates page. Leave blank to send no texts.",
            "email_template_id": "Leave blank to send no emails.",
        }

    def clean_sms_template_id(self):
        return _template_id(self.cleaned_data["sms_template_id"])

    def clean_email_template_id(self):
        return _template_id(self.cleaned_data["email_template_id"])


class BulkMessageForm(GDSFormMixin, forms.Form):
    SCHEME, PATCH = "scheme", "patch"

    title = forms.CharField(
        label="Title",
        help_text="For staff only, so you can find it again. Not sent.",
        max_length=120,
        error_messages={"required": "Enter a title"},
    )
    body = forms.CharField(
        label="Message",
        help_text=(
            "Tenants receive “Dear” and their first name, then your message. Write in plain "
            f"English; up to {BODY_MAX} characters."
        ),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter the message",
            "max_length": f"The message must be {BODY_MAX} characters or fewer",
        },
    )
    channel = forms.ChoiceField(
        label="Send by",
        choices=Channel.choices,
        initial=Channel.SMS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select text message or email"},
    )
    audience = forms.ChoiceField(
        label="Send to",
        choices=[(SCHEME, "Everyone in a scheme"), (PATCH, "Everyone in a patch")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select a scheme or a patch"},
    )
    scheme = forms.ModelChoiceField(
        label="Scheme", queryset=None, required=False, empty_label="Choose a scheme"
    )
    patch = forms.ModelChoiceField(
        label="Patch", queryset=None, required=False, empty_label="Choose a patch"
    )
    rate_per_minute = forms.IntegerField(
        label="Messages a minute, at most",
        help_text="Notify allows 3,000 a minute unless it agreed more with you.",
        min_value=1,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-5"}),
        error_messages={"required": "Enter how many messages a minute, at most"},
    )

    def __init__(self, *args, schemes, patches, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "rate_per_minute", settings.NOTIFY_RATE_LIMIT_PER_MINUTE
        )
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["patch"].queryset = patches
        # The groups other apps registered (a cohort, a campaign's list), each with its select
        # after the patch's, in the order they were registered.
        self.registered = audiences.registered()
        self.fields["audience"].choices = [
            *self.fields["audience"].choices,
            *((audience.kind, audience.label) for audience in self.registered),
        ]
        self.fields["audience"].error_messages["required"] = "Select who to send it to"
        fields = dict(self.fields)
        rate = fields.pop("rate_per_minute")
        for audience in self.registered:
            fields[audience.kind] = forms.ChoiceField(
                label=audience.field_label,
                required=False,
                choices=[("", f"Choose a {audience.field_label.lower()}"), *audience.choices()],
            )
        fields["rate_per_minute"] = rate
        self.fields = fields
        # Each list sits under its own "Send to" choice, shown by GOV.UK Frontend's
        # conditional reveal only while it is chosen (without JavaScript, all are shown).
        self.helper.layout = Layout(
            "title",
            Field.textarea("body", rows=6, max_characters=BODY_MAX),
            "channel",
            ConditionalRadios(
                "audience",
                *(
                    RevealedQuestion(label, value)
                    for value, label in self.fields["audience"].choices
                ),
            ),
            "rate_per_minute",
        )

    @classmethod
    def initial_for(cls, bulk):
        """A draft's choices and text, to change it: the form as it was filled in."""
        if bulk.audience_kind:
            audience = {"audience": bulk.audience_kind, bulk.audience_kind: bulk.audience_key}
        elif bulk.scheme_id:
            audience = {"audience": cls.SCHEME, "scheme": bulk.scheme_id}
        else:
            audience = {"audience": cls.PATCH, "patch": bulk.patch_id}
        return {
            "title": bulk.title,
            "body": bulk.body,
            "channel": bulk.channel,
            "rate_per_minute": bulk.rate_per_minute,
            **audience,
        }

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        if audience == self.SCHEME and not data.get("scheme"):
            self.add_error("scheme", "Choose the scheme")
        if audience == self.PATCH and not data.get("patch"):
            self.add_error("patch", "Choose the patch")
        data["registered_audience"] = None
        for registered in self.registered:
            if audience == registered.kind:
                if data.get(registered.kind):
                    data["registered_audience"] = (registered.kind, data[registered.kind])
                else:
                    self.add_error(registered.kind, f"Choose the {registered.field_label.lower()}")
        if audience != self.SCHEME:
            data["scheme"] = None
        if audience != self.PATCH:
            data["patch"] = None
        return data


class ContactPreferenceForm(GDSFormMixin, forms.ModelForm):
    class Meta:
        model = ContactPreference
        fields = ["no_sms", "no_email", "preferred_channel", "source", "note"]
        labels = {
            "no_sms": "Does not want text messages",
            "no_email": "Does not want emails",
            "preferred_channel": "Prefers",
            "source": "Who told us",
            "note": "Anything else (optional)",
        }
        widgets = {"preferred_channel": forms.RadioSelect, "source": forms.RadioSelect}

    def __init__(self, *args, unreachable, **kwargs):
        """`unreachable`: {channel: why it cannot reach the tenant} (`selectors.unreachable_
        channels`). Those are not offered as the preferred channel, and the hint says why,
        unless it is the preference already saved (kept, so saving again loses nothing)."""
        super().__init__(*args, **kwargs)
        saved = self.instance.preferred_channel if self.instance.pk else ""
        self.fields["preferred_channel"].choices = [
            ("", "No preference"),
            *(
                (value, label)
                for value, label in Channel.choices
                if value not in unreachable or value == saved
            ),
        ]
        self.fields["preferred_channel"].help_text = " ".join(
            f"{Channel(channel).label} cannot be chosen: {why[0].lower()}{why[1:]}."
            for channel, why in unreachable.items()
            if channel != saved
        )
        # The model's choices without Django's blank "---------": as radios it would be a
        # choice of its own. Still required, as the model says.
        self.fields["source"].choices = ContactPreference.Source.choices
        self.fields["source"].error_messages["required"] = "Select who told us"

    def clean(self):
        data = super().clean()
        preferred = data.get("preferred_channel")
        if preferred == Channel.SMS and data.get("no_sms"):
            self.add_error("preferred_channel", "They cannot prefer texts and not want them")
        if preferred == Channel.EMAIL and data.get("no_email"):
            self.add_error("preferred_channel", "They cannot prefer emails and not want them")
        return data
