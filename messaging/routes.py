"""Where a message to each of many tenants goes, in SQL: the set-based twin of
`selectors.tenant_route`, for messages queued to thousands of tenants at once.

A text goes to the first good mobile as corrected in the app (`Tenant.contact_numbers`): a
good number an officer added (newest first) while the file still sends what it sent then, then
the file's phone and mobile unless an officer marked them wrong or dead; never a number Notify
could not deliver to. An email goes to the address on the record unless it failed.
"""

from django.apps import apps
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Lower

from .models import Channel, FailingContact

MOBILE_PREFIX = "+447"


def _phone_numbers():
    return apps.get_model("tenants", "PhoneNumber").objects


def file_numbers_key(prefix=""):
    """`Tenant.file_numbers_key` in SQL: the file's numbers joined by commas."""
    phone, mobile = F(f"{prefix}phone"), F(f"{prefix}mobile")
    return Case(
        When(
            ~Q(**{f"{prefix}phone": ""}) & ~Q(**{f"{prefix}mobile": ""}),
            then=Concat(phone, Value(","), mobile, output_field=CharField()),
        ),
        When(~Q(**{f"{prefix}phone": ""}), then=phone),
        default=mobile,
        output_field=CharField(),
    )


def _failing(address):
    return Exists(FailingContact.objects.filter(tenant=OuterRef("pk"), address=address))


def sms_address(*, skip_failing=True):
    """The mobile a text to each tenant goes to, as corrected in the app, or NULL. The
    tenants must be annotated with `route_file_key=file_numbers_key()` first."""
    added = _phone_numbers().filter(
        tenant=OuterRef("pk"),
        source="app",
        status="good",
        number__startswith=MOBILE_PREFIX,
        file_numbers=OuterRef("route_file_key"),
    )
    if skip_failing:
        added = added.exclude(
            Exists(
                FailingContact.objects.filter(
                    tenant=OuterRef("tenant_id"), address=OuterRef("number")
                )
            )
        )
    choices = [Subquery(added.order_by("-at", "-id").values("number")[:1])]
    for field in ("phone", "mobile"):
        marked = (
            _phone_numbers()
            .filter(tenant=OuterRef("pk"), number=OuterRef(field))
            .exclude(status="good")
        )
        usable = Q(**{f"{field}__startswith": MOBILE_PREFIX}) & ~Q(Exists(marked))
        if skip_failing:
            usable &= ~Q(_failing(OuterRef(field)))
        choices.append(Case(When(usable, then=F(field)), default=None, output_field=CharField()))
    return Coalesce(*choices, output_field=CharField())


def with_route(tenants):
    """`tenants` annotated with `route_channel` and `route_address` ("" and NULL when nothing
    can reach them): their preferred channel first, then a text, then an email; never a
    channel they opted out of, nor a number or address that is failing."""
    no_sms = Coalesce(F("contact_preference__no_sms"), Value(False), output_field=BooleanField())
    no_email = Coalesce(
        F("contact_preference__no_email"), Value(False), output_field=BooleanField()
    )
    tenants = tenants.annotate(route_file_key=file_numbers_key()).annotate(
        route_sms=Case(
            When(no_sms, then=Value(None)), default=sms_address(), output_field=CharField()
        ),
        route_email=Case(
            When(no_email, then=Value(None)),
            When(email="", then=Value(None)),
            When(_failing(Lower(OuterRef("email"))), then=Value(None)),
            default=Lower("email"),
            output_field=CharField(),
        ),
    )
    email_first = Q(contact_preference__preferred_channel=Channel.EMAIL, route_email__isnull=False)
    return tenants.annotate(
        route_channel=Case(
            When(email_first, then=Value(Channel.EMAIL)),
            When(route_sms__isnull=False, then=Value(Channel.SMS)),
            When(route_email__isnull=False, then=Value(Channel.EMAIL)),
            default=Value(""),
            output_field=CharField(),
        ),
        route_address=Case(
            When(email_first, then=F("route_email")),
            When(route_sms__isnull=False, then=F("route_sms")),
            default=F("route_email"),
            output_field=CharField(),
        ),
    )
