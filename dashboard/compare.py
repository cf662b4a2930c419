"""Teams side by side (issue 20): for each team, each cohort's "up to date %", open escalations
and requests open past target, from the latest snapshot (three queries, whatever the size)."""

from django.db.models import Sum

from accounts.models import Team

from .models import CohortFigure, EscalationFigure, HelpFigure
from .tables import NO_TEAM, Row, Table, TeamScope, list_url, percent


def teams_table(snapshot, teams=None):
    teams = list(Team.objects.order_by("name")) if teams is None else teams
    scopes = [TeamScope(str(t.pk), t.name, f"team-{t.pk}", t.pk) for t in teams] + [NO_TEAM]
    cohort_sums = {
        (r["team"], r["cohort"]): r
        for r in CohortFigure.objects.filter(snapshot=snapshot)
        .values("team", "cohort")
        .annotate(n=Sum("tenants"), ok=Sum("up_to_date"))
        .order_by()
    }
    escalations = dict(
        EscalationFigure.objects.filter(snapshot=snapshot)
        .values("team")
        .annotate(n=Sum("count"))
        .values_list("team", "n")
        .order_by()
    )
    late_requests = dict(
        HelpFigure.objects.filter(snapshot=snapshot)
        .values("team")
        .annotate(n=Sum("past_target"))
        .values_list("team", "n")
        .order_by()
    )
    table = Table("teams", "Teams side by side", ["Figure", *(scope.label for scope in scopes)])
    for cohort in snapshot.cohorts:
        if not cohort["active"]:
            continue
        cells, links = [], []
        for scope in scopes:
            r = cohort_sums.get((scope.team_id, cohort["code"]), {})
            cells.append(percent(r.get("ok") or 0, r.get("n") or 0))
            # The tenants the percentage counts; their list says "N of M" to check it by.
            links.append(list_url("tenants", scope, cohort=cohort["code"], standing="up_to_date"))
        table.rows.append(Row(f"{cohort['name']}: up to date (%)", cells, links=links))
    table.rows.append(
        Row(
            "Open escalations",
            [escalations.get(scope.team_id, 0) for scope in scopes],
            links=[list_url("escalations", scope) for scope in scopes],
        )
    )
    table.rows.append(
        Row(
            "Here to Help requests open past target",
            [late_requests.get(scope.team_id, 0) for scope in scopes],
            links=[list_url("requests", scope, past_target="on") for scope in scopes],
        )
    )
    return table
