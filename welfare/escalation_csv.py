"""The Escalations work list (/queue/escalations/) as CSV: every escalation its filters list
(open or closed, one team or no team), not only the page shown, each tenant written to the
access log before their row is sent. A filter value that is not one of the choices downloads
nothing (`refused_download`), never the whole list passing for the one asked for."""

from django import forms
from django.db.models import Count
from django.utils import timezone

from accounts.access import manager_required, team_scoped, teams_in_scope
from config.csv_export import refused_download, streaming_csv
from config.forms import FilterForm
from tenants.selectors import log_tenants_listed

from .call_models import Escalation

HEADER = [
    "escalation",
    "tenancy_ref",
    "tenant",
    "why",
    "team",
    "status",
    "opened",
    "days_open",
    "owner",
    "actions_recorded",
    "closed",
    "result",
]


class EscalationFilterForm(FilterForm):
    """The list's filters as its page's links write them: `?status=closed`, `?team=<id>` or
    `?team=none` (no team)."""

    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Open"), ("open", "Open"), ("closed", "Closed")],
        error_messages={"invalid_choice": "Choose open or closed"},
    )
    team = forms.ChoiceField(
        required=False,
        label="Team",
        error_messages={"invalid_choice": "Choose one of the teams, or none"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [
            ("", "Every team"),
            *((str(team.pk), team.name) for team in teams_in_scope(user)),
            ("none", "No team"),
        ]


def escalation_list(user, *, status="", team=""):
    """The escalations the page lists for these filters, in its order (open: oldest first;
    closed: newest first), with their tenant, team, owner and count of actions (one query)."""
    closed = status == "closed"
    rows = (
        team_scoped(Escalation.objects.all(), user, "team_id")
        .filter(status=Escalation.Status.CLOSED if closed else Escalation.Status.OPEN)
        .select_related("tenant", "team", "owner")
        .annotate(action_count=Count("actions"))
        .order_by(*(["-closed_at", "-id"] if closed else ["opened_at", "id"]))
    )
    if team == "none":
        return rows.filter(team__isnull=True)
    if team:
        return rows.filter(team_id=int(team))
    return rows


def _row(escalation, now):
    closed_at = escalation.closed_at
    return [
        escalation.pk,
        escalation.tenant.tenancy_ref,
        escalation.tenant.full_name,
        escalation.get_reason_display(),
        escalation.team.name if escalation.team else "No team",
        escalation.get_status_display(),
        timezone.localtime(escalation.opened_at).isoformat(timespec="minutes"),
        ((closed_at or now) - escalation.opened_at).days,
        str(escalation.owner or ""),
        escalation.action_count,
        timezone.localtime(closed_at).isoformat(timespec="minutes") if closed_at else "",
        escalation.result,
    ]


@manager_required
def escalations_csv(request):
    form = EscalationFilterForm(request.GET or None, user=request.user)
    if form.refused:
        return refused_download(form)
    filters = form.values()
    now = timezone.now()
    user, path = request.user, request.path
    which = "closed" if filters["status"] == "closed" else "open"
    return streaming_csv(
        filename=f"escalations-{which}-{timezone.localtime(now):%Y-%m-%d-%H%M}.csv",
        header=HEADER,
        rows=escalation_list(user, **filters),
        row=lambda escalation: _row(escalation, now),
        log=lambda batch: log_tenants_listed(user, [item.tenant_id for item in batch], path),
    )
