"""Reads for other apps and for the messages pages."""

from django.db.models import Count
from phonenumber_field.phonenumber import PhoneNumber

from .models import Channel, ContactPreference, FailingContact, Message, Status


def failing_contacts_for_tenant(tenant):
    """The numbers and addresses Notify could not deliver to for good, newest first.

    For the call page: "07700 900002 failed on 3 May: ask for a new number". A later message
    delivered to the same number or address clears it.
    """
    return list(FailingContact.objects.filter(tenant=tenant).order_by("-failed_at"))


def failing_numbers_for_tenant(tenant):
    """Just the failing phone numbers (E.164) of `tenant`, for code that only needs to know."""
    return [
        contact.address
        for contact in failing_contacts_for_tenant(tenant)
        if contact.channel == Channel.SMS
    ]


def contact_preference_for(tenant):
    """The tenant's preference, or None when they have told us nothing."""
    return ContactPreference.objects.filter(tenant=tenant).first()


def is_mobile(number):
    """UK mobiles (07...) are the numbers a text can reach; landlines cannot take one."""
    return str(number).startswith("+447")


def tenant_mobiles(tenant):
    """The tenant's mobile numbers in E.164, as corrected in the app, best first.

    If the tenant model offers `numbers_to_dial()` (the call workspace's ordered list of
    corrected numbers), that order is used; otherwise the mobile field, then the phone field.
    """
    if hasattr(tenant, "numbers_to_dial"):
        numbers = tenant.numbers_to_dial()
    else:
        numbers = [tenant.mobile, tenant.phone]
    found = []
    for number in numbers:
        e164 = getattr(number, "as_e164", None) or str(number or "")
        if e164 and is_mobile(e164) and e164 not in found:
            found.append(e164)
    return found


def unreachable_channels(tenant, failing=None):
    """{channel: why a message by it cannot reach `tenant`} for each channel that cannot:
    "No mobile number recorded", or every one recorded failing. `failing`: the tenant's
    `failing_contacts_for_tenant`, if the caller has them."""
    if failing is None:
        failing = failing_contacts_for_tenant(tenant)
    failed = {contact.address for contact in failing}
    mobiles = tenant_mobiles(tenant)
    why = {}
    if not mobiles:
        why[Channel.SMS] = "No mobile number recorded"
    elif all(number in failed for number in mobiles):
        why[Channel.SMS] = "The mobile number on the record could not be reached"
    if not tenant.email:
        why[Channel.EMAIL] = "No email address recorded"
    elif tenant.email.lower() in failed:
        why[Channel.EMAIL] = "The email address on the record could not be reached"
    return why


def tenant_route(tenant):
    """How a message to `tenant` would go: (channel, address, None) or (None, None, reason).

    The preferred channel first where the tenant has one, then a text, then an email; never a
    channel they opted out of, and never a number or address already known to fail.
    """
    preference = contact_preference_for(tenant)
    failing = {contact.address for contact in failing_contacts_for_tenant(tenant)}
    options = {
        Channel.SMS: [n for n in tenant_mobiles(tenant) if n not in failing],
        Channel.EMAIL: [e for e in [tenant.email] if e and e.lower() not in failing],
    }
    order = [Channel.SMS, Channel.EMAIL]
    if preference and preference.preferred_channel == Channel.EMAIL:
        order.reverse()
    allowed = [c for c in order if preference is None or preference.allows(c)]
    if not allowed:
        return None, None, "Opted out of text messages and emails"
    for channel in allowed:
        if options[channel]:
            return channel, options[channel][0], None
    if failing:
        return None, None, "Every number and address on the record is failing"
    return None, None, "No mobile number or email address"


def tenant_record_messages(tenant):
    """The record's "Messages" row: how a message to `tenant` would go now (`tenant_route`),
    with the number as it is written in the UK. Keys start with `messages_`."""
    channel, address, reason = tenant_route(tenant)
    if channel == Channel.SMS:
        address = PhoneNumber.from_string(address).as_national
    return {"messages_channel": channel, "messages_address": address, "messages_not_sent": reason}


def outbox(limit=None):
    """Messages kept in the outbox because no Notify key is set, newest first."""
    queryset = Message.objects.filter(status=Status.OUTBOX).select_related("tenant", "bulk")
    return queryset[:limit] if limit else queryset


def bulk_status_counts(bulk):
    """{status: count} of a bulk message's rows, in one query."""
    rows = Message.objects.filter(bulk=bulk).values("status").annotate(n=Count("id"))
    return {Status(row["status"]): row["n"] for row in rows}
