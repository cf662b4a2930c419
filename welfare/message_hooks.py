"""The messages a welfare call sends, through messaging's public API (README: Messages).

Each is queued in the caller's transaction and sent by Celery after it commits; a kind a
manager switched off, or a tenant who opted out, is recorded as not sent, with why."""

from django.conf import settings

from messaging.actions import message_send, message_send_to_tenant
from messaging.models import Channel, Kind


def after_call(call, tenant):
    """After a no answer (or voicemail): "We tried to call you..."; after a call where the
    officer gave a consenting family contact a wellbeing update: that update, by text."""
    if call.outcome in call.FAILED:
        message_send_to_tenant(
            tenant=tenant,
            kind=Kind.NO_ANSWER,
            personalisation={"first_name": tenant.first_name, "number": settings.CONTACT_PHONE},
            reference=f"call-{call.pk}",
        )
    contact = call.family_updated
    if contact is not None and contact.consent_to_updates and contact.phone:
        message_send(
            tenant=tenant,
            kind=Kind.FAMILY_UPDATE,
            channel=Channel.SMS,
            to=contact.phone,
            personalisation={
                "name": contact.name,
                "tenant_first_name": tenant.first_name,
                "wellbeing": call.get_wellbeing_display().lower(),
                "number": settings.CONTACT_PHONE,
            },
            reference=f"call-{call.pk}-family",
        )
