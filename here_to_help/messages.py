"""The messages a Here to Help request sends, through messaging's public API: received when it
is raised, resolved (with the signposted organisation's details) when it is resolved. Queued in
the caller's transaction and sent by Celery after commit; a kind a manager switched off, or a
tenant who opted out, is recorded as not sent, with why."""

from django.conf import settings

from messaging.actions import message_send_to_tenant
from messaging.models import Kind


def request_received(help_request):
    message_send_to_tenant(
        tenant=help_request.tenant,
        kind=Kind.REQUEST_RECEIVED,
        personalisation={
            "first_name": help_request.tenant.first_name,
            "need": help_request.get_need_display().lower(),
            "number": settings.CONTACT_PHONE,
        },
        reference=f"help-request-{help_request.pk}-received",
    )


def _organisation_details(help_request):
    signpost = help_request.signposts.select_related("organisation").order_by("-given_at").first()
    if signpost is None:
        return ""
    organisation = signpost.organisation
    contact = [organisation.name]
    if organisation.phone:
        contact.append(organisation.phone.as_national)
    contact += [value for value in (organisation.email, organisation.website) if value]
    return ", ".join(contact)


def request_resolved(help_request):
    message_send_to_tenant(
        tenant=help_request.tenant,
        kind=Kind.REQUEST_RESOLVED,
        personalisation={
            "first_name": help_request.tenant.first_name,
            "need": help_request.get_need_display().lower(),
            "organisation": _organisation_details(help_request),
            "number": settings.CONTACT_PHONE,
        },
        reference=f"help-request-{help_request.pk}-resolved",
    )
