"""The CSV rows of the lists behind the dashboard's counts (dashboard.lists): one function a
list, from a row of its queryset (the tenant list's as lighter tuples) to its cells."""

from django.utils import timezone


def age_days(opened_at, now):
    return (now - opened_at).days


TENANT_CSV_FIELDS = (
    "tenant_id",
    "tenant__tenancy_ref",
    "tenant__first_name",
    "tenant__last_name",
    "tenant__patch__code",
    "tenant__patch__team__name",
    "cadence_days",
    "days_overdue",
    "tenant__last_contact_at",
)


def tenant_csv_rows(listed):
    """The tenant list as tuples of TENANT_CSV_FIELDS: half a register is streamed without a
    model object per tenant, patch and team."""
    return listed.rows.values_list(*TENANT_CSV_FIELDS)


def tenant_csv(row, now):
    _, ref, first_name, last_name, patch, team, cadence, overdue, last_contact = row
    return (
        ref,
        f"{first_name} {last_name}",  # Tenant.full_name
        patch or "",
        team if patch else "No team",
        cadence,
        overdue,
        timezone.localtime(last_contact).date().isoformat() if last_contact else "",
    )


def provider_csv(oversight, now):
    return (
        oversight.provider.name,
        oversight.team.name,
        oversight.get_staffing_display() or "Not checked in",
        timezone.localtime(oversight.staffing_since).date().isoformat()
        if oversight.staffing_since
        else "",
        oversight.next_check_in_on.isoformat(),
        max((timezone.localdate(now) - oversight.next_check_in_on).days, 0),
        oversight.tenant_count,
    )


def escalation_csv(escalation, now):
    return (
        escalation.tenant.tenancy_ref,
        escalation.tenant.full_name,
        escalation.team.name if escalation.team else "No team",
        escalation.get_reason_display(),
        timezone.localtime(escalation.opened_at).isoformat(timespec="minutes"),
        age_days(escalation.opened_at, now),
        str(escalation.owner or ""),
    )


def request_csv(request, now):
    return (
        request.tenant.tenancy_ref,
        request.tenant.full_name,
        request.team.name if request.team else "No team",
        request.get_need_display(),
        request.get_status_display(),
        timezone.localtime(request.raised_at).isoformat(timespec="minutes"),
        timezone.localtime(request.due_at).isoformat(timespec="minutes"),
        age_days(request.raised_at, now),
        str(request.owner or ""),
    )
