from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm

SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
EMAIL_TEMPLATE = "accounts/email/password_reset.txt"


@shared_task(name="accounts.send_password_reset")
def send_password_reset(email, domain, use_https):
    """Email a reset link to the staff account with `email`, if there is one.

    It runs on the worker, so the page answers as fast for an unknown address as for a known one
    and says nothing about which it was."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=SUBJECT_TEMPLATE,
            email_template_name=EMAIL_TEMPLATE,
        )
