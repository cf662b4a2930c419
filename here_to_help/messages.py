"""The messages a Here to Help request sends, through messaging's public API: received when it
is raised, resolved (with the signposted organisation's details) when it is resolved. Queued in
the caller's transaction and sent by Celery after commit; a kind a manager switched off, or a
tenant who opted out, is recorded as not sent, with why."""

from django.conf import settings
from django.db import transaction

from messaging.actions import message_send_to_tenant
from messaging.models import Kind, Message, Status

from .models import HelpRequest


def _needs_text(labels):
    """ "food and shopping", "food and shopping; medication": labels hold "and" themselves."""
    return "; ".join(label.lower() for label in labels)


def _received_this_transaction():
    """This transaction's "request received" messages, by tenant: {tenant id: (message id,
    request ids)}. Empty outside a transaction (each request is then its own save).

    The registry belongs to the transaction whose commit hooks hold its `clear`: Django drops
    a transaction's hooks when it commits (after running them) or rolls back, so a registry
    whose hook is gone is an earlier transaction's and is replaced, never merged into."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return {}
    state = getattr(connection, "help_received_messages", None)
    if state is None or not any(hook[1] is state[1] for hook in connection.run_on_commit):
        pending = {}
        state = connection.help_received_messages = (pending, pending.clear)
        transaction.on_commit(state[1])
    return state[0]


def request_received(help_request):
    """One "request received" per tenant in one save: two needs ticked on one call (or at one
    visit) send one message naming both, not two identical texts at the same moment. The
    second need updates the first's message while it is still this save's, unsent; its text
    is read from the requests still there (a savepoint rolled back takes its need with it).
    A retried save raises no request again (`call_log` is idempotent), so sends none."""
    pending = _received_this_transaction()
    tenant = help_request.tenant
    earlier = pending.get(tenant.pk)
    if earlier is not None:
        message_id, request_ids = earlier
        request_ids = [*request_ids, help_request.pk]
        labels = [
            request.get_need_display()
            for request in HelpRequest.objects.filter(pk__in=request_ids).order_by("pk")
        ]
        updated = Message.objects.filter(
            pk=message_id,
            tenant=tenant,
            kind=Kind.REQUEST_RECEIVED,
            status__in=[Status.QUEUED, Status.NOT_SENT],
        ).update(
            personalisation={
                "first_name": tenant.first_name,
                "need": _needs_text(labels),
                "number": settings.CONTACT_PHONE,
            }
        )
        if updated:
            pending[tenant.pk] = (message_id, request_ids)
            return
    message = message_send_to_tenant(
        tenant=tenant,
        kind=Kind.REQUEST_RECEIVED,
        personalisation={
            "first_name": tenant.first_name,
            "need": _needs_text([help_request.get_need_display()]),
            "number": settings.CONTACT_PHONE,
        },
        reference=f"help-request-{help_request.pk}-received",
    )
    if transaction.get_connection().in_atomic_block:
        pending[tenant.pk] = (message.pk, [help_request.pk])


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
