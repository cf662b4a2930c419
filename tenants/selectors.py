"""Reads of the tenant register. Every read of a record or a search is logged (access log): the
`get_<thing>_for_user` helpers of every app write the row themselves, given the page."""

import re

import phonenumbers
from django.db import connection
from django.db.models import Prefetch, Q
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from .models import AccessLog, FamilyContact, PhoneNumber, Tenant
from .postcodes import POSTCODE_OR_OUTWARD

REF = re.compile(r"^(?=.*\d)[A-Z0-9/-]{3,20}$")
# The register's references are letters, a hyphen and digits (PHG-0900101: the import's sample,
# `tenants/formats/tenants-sample.csv`). A reference typed as letters and digits with no hyphen,
# with spaces or other separators ("phg000101", "PHG 000 101") is rebuilt in that form.
SEPARATED_REF = re.compile(r"^([A-Z]+)[\s/-]*((?:\d[\s-]*)+)$")


def reference_forms(query):
    """The references `query` (uppercased) may name: as typed without spaces and, where it is
    letters then digits, the stored form LETTERS-DIGITS. Each is looked up as the start of a
    reference through the `UPPER(tenancy_ref)` index (tenants migration 0009), never by
    rewriting the column, so the search stays an index read at 1,000,000 tenants."""
    forms = []
    compact = query.replace(" ", "")
    if REF.match(compact):
        forms.append(compact)
    separated = SEPARATED_REF.match(query)
    if separated:
        letters, digits = separated.group(1), re.sub(r"\D", "", separated.group(2))
        canonical = f"{letters}-{digits}"
        if len(canonical) <= 20 and canonical not in forms:
            forms.append(canonical)
    return forms


def get_tenant_for_user(user, pk, *, page):
    """The tenant record if `user` may see it; 404 for another team's tenant, as for none.
    Logged as a view of the tenant on `page`."""
    queryset = (
        Tenant.objects.visible_to(user)
        .select_related("patch__team", "scheme__support_provider", "support_provider")
        .prefetch_related(
            Prefetch("family_contacts", queryset=FamilyContact.objects.order_by("name"))
        )
    )
    tenant = get_object_or_404(queryset, pk=pk)
    log_tenant_read(user=user, tenant=tenant, page=page)
    return tenant


def search_tenants(user, query):
    """Tenants visible to `user` matching a name, tenancy reference, postcode or phone number.
    The view logs the search, with the tenants it showed, through `log_tenants_listed`."""
    queryset = Tenant.objects.visible_to(user).select_related("patch", "scheme")
    query = " ".join(query.split())
    if not query:
        return queryset.none()
    upper = query.upper()
    condition = Q()
    for reference in reference_forms(upper):
        condition |= Q(tenancy_ref__istartswith=reference)
    if POSTCODE_OR_OUTWARD.match(upper):
        compact = upper.replace(" ", "")
        if len(compact) >= 5:  # a full postcode: PR12AB -> PR1 2AB
            condition |= Q(postcode=f"{compact[:-3]} {compact[-3:]}")
        else:  # an outward code alone: PR1 (the space stops PR1 matching PR10)
            condition |= Q(postcode__startswith=f"{compact} ")
    digits = re.sub(r"[^\d+]", "", query)
    if len(digits) >= 9:
        try:
            number = phonenumbers.parse(digits, "GB")
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            # A number an officer added on the record (a tenant ringing in from the mobile
            # they just gave us). Ids first, as a list: inside the OR a subquery would make
            # PostgreSQL read the whole register; a list joins the three indexes (BitmapOr).
            added = PhoneNumber.objects.filter(
                number=e164, source=PhoneNumber.Source.APP, status=PhoneNumber.Status.GOOD
            ).values_list("tenant_id", flat=True)
            condition |= Q(phone=e164) | Q(mobile=e164) | Q(pk__in=list(added))
    words = [word for word in re.split(r"[\s,]+", query) if word]
    if words and not any(ch.isdigit() for ch in query):
        name = Q()
        for word in words:
            name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        condition |= name
    if not condition:
        return queryset.none()
    return queryset.filter(condition)


WHOLE_REF = re.compile(r"^([A-Z]+[/-]?)(\d+)$")


def reference_example(query):
    """`query`, digits only, as a whole reference in the register's format ("486" ->
    "PHG-0000486"): a reference is found from its start, so the end of one finds nothing.
    The format is read from the first tenant by primary key (one index row, no search); None
    where the query is not digits, is longer than a reference's digits (a phone number), or
    the register holds no reference of letters then digits."""
    if not query.isdigit():
        return None
    first = Tenant.objects.order_by("pk").values_list("tenancy_ref", flat=True).first()
    shape = WHOLE_REF.match((first or "").upper())
    if not shape or len(query) > len(shape.group(2)):
        return None
    return shape.group(1) + query.zfill(len(shape.group(2)))


def log_access(*, user, kind, page, tenant=None, query=""):
    """One insert per read: who looked at which tenant, or searched for what, and where. The
    tenant is kept by id and tenancy reference, so the row outlives the record."""
    AccessLog.objects.create(
        user=user,
        kind=kind,
        tenant_id=tenant.pk if tenant else None,
        tenancy_ref=tenant.tenancy_ref if tenant else "",
        query=query[:200],
        page=page[:200],
    )


def log_tenant_read(*, user, tenant, page):
    """For the `get_<thing>_for_user` helpers: `user` read `tenant`'s data on `page`."""
    log_access(user=user, kind=AccessLog.Kind.VIEW, tenant=tenant, page=page)


def log_tenants_listed(user, tenant_ids, page, *, query=""):
    """For every list page that shows tenants, and search results: one row, in one insert,
    naming every tenant `page` showed `user`. A list that showed nobody writes nothing; a
    search (`query`) is written even when it found nobody."""
    shown = list(dict.fromkeys(int(pk) for pk in tenant_ids if pk is not None))
    if shown or query.strip():
        AccessLog.objects.create(
            user=user,
            kind=AccessLog.Kind.SEARCH if query.strip() else AccessLog.Kind.LIST,
            tenant_ids=shown,
            query=query[:200],
            page=page[:200],
        )


def tenant_access_log(tenant_id):
    """Who has looked at tenant `tenant_id`: their record read, and every search or list that
    showed them, newest first. On PostgreSQL the list rows are found through the GIN index."""
    if connection.vendor == "postgresql":
        shown = Q(tenant_ids__contains=[tenant_id])
    else:  # SQLite (the demo) cannot use `contains` on JSON: ask json_each instead.
        shown = Q(
            pk__in=RawSQL(
                "SELECT log.id FROM tenants_accesslog log, json_each(log.tenant_ids) shown "
                "WHERE shown.value = %s",
                [tenant_id],
            )
        )
    return AccessLog.objects.filter(Q(tenant_id=tenant_id) | shown).select_related("user")


def _record_what(record, diff):
    """What a change of the record is called: what the email page did ("Email address added"),
    else "Record changed"."""
    if record.history_type == "+":
        return "Record created"
    if [change.field for change in diff] == ["email"]:
        change = diff[0]
        done = "removed" if not change.new else "changed" if change.old else "added"
        return f"Email address {done}"
    return "Record changed"


CONTACT_CHANGE = {
    "+": "Family contact added",
    "~": "Family contact changed",
    "-": "Family contact removed",
}


def tenant_history(tenant, limit=50):
    """The record's audit trail: tenant, family-contact and phone-number changes, newest first,
    with who. Read once per tenant object: the record page shows it, and the welfare section's
    timeline (given the same tenant) shows it again."""
    kept = tenant.__dict__.setdefault("_record_history", {})
    if limit not in kept:
        kept[limit] = _tenant_history(tenant, limit)
    return kept[limit]


def _tenant_history(tenant, limit):
    changes = []
    # One extra row so the oldest shown change can still be compared with the one before it.
    records = list(
        tenant.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        diff = record.diff_against(previous).changes if previous else []
        changes.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": _record_what(record, diff),
                "reason": record.history_change_reason,
                "changes": [
                    {
                        "field": Tenant._meta.get_field(change.field).verbose_name,
                        "old": change.old,
                        "new": change.new,
                    }
                    for change in diff
                ],
            }
        )
    contact_records = (
        FamilyContact.history.filter(tenant_id=tenant.pk)
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )
    for record in contact_records:
        changes.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": f"{CONTACT_CHANGE[record.history_type]}: {record.name}",
                "reason": record.history_change_reason,
                "changes": [],
            }
        )
    changes += phone_number_changes(tenant, limit)
    changes.sort(key=lambda change: change["when"], reverse=True)
    return changes[:limit]


PHONE_STATUS_WORDS = {
    PhoneNumber.Status.GOOD: "marked good",
    PhoneNumber.Status.WRONG: "marked wrong",
    PhoneNumber.Status.DEAD: "marked dead",
}


def _phone_number_what(record, previous):
    number = record.number.as_national if record.number else "A number"
    marked = f"{number} {PHONE_STATUS_WORDS[record.status]}"
    app = record.source == PhoneNumber.Source.APP
    if record.history_type == "-":
        return f"{number} removed"
    if previous is None:  # its first row: added in the app, or a mark on the file's number
        return f"{number} added" if app and record.status == PhoneNumber.Status.GOOD else marked
    if app and previous.source != record.source:
        return f"{number} added"  # the file's number, now one the officer added
    if previous.status != record.status:
        return marked
    return f"{number} added again" if app else f"{marked} again"


def phone_number_changes(tenant, limit=50):
    """The numbers' own history (added in the app, marked good, wrong or dead, with who and
    why), for the record's history and timeline: one query, whatever the rows. Each change is
    told from the one before it of the same number ("020 7946 0624 marked dead")."""
    records = list(
        PhoneNumber.history.filter(tenant_id=tenant.pk)
        .select_related("history_user", "by")
        .order_by("-history_date", "-history_id")[: limit * 2]
    )
    earlier = {}
    for record in reversed(records):  # oldest first: each row's previous is the one before
        record.previous = earlier.get(record.id)
        earlier[record.id] = record
    return [
        {
            "when": record.history_date,
            "who": record.history_user or record.by,
            "what": _phone_number_what(record, record.previous),
            "reason": record.reason,
            "changes": [],
        }
        for record in records[:limit]
    ]
