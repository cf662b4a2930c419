from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.db import transaction

from config.forms import GDSFormMixin


class SignInForm(GDSFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username or email address and password.",
        "inactive": "This account is not active. Ask a manager to reactivate it.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username or email address"
        self.fields["username"].error_messages["required"] = "Enter your username or email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false", "class": "govuk-input"}
        )
        self.fields["password"].widget.attrs["class"] = "govuk-input"


class TokenForm(GDSFormMixin, forms.Form):
    token = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input govuk-input--width-10",
            }
        ),
        error_messages={"required": "Enter the security code"},
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip().lower()


class ResetRequestForm(GDSFormMixin, PasswordResetForm):
    def save(self, *, domain_override=None, use_https=False, request=None, **kwargs):
        """Queue the email for after the commit: no lookup or sending while the person waits, so
        a known and an unknown address take the same time to answer."""
        from .tasks import send_password_reset

        domain = domain_override or request.get_host()
        email = self.cleaned_data["email"]
        transaction.on_commit(lambda: send_password_reset.delay(email, domain, use_https))


class NewPasswordForm(GDSFormMixin, SetPasswordForm):
    pass
