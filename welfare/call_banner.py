"""The banner after a call is saved: what it did, the requests it raised (links, and who
picks them up), and after a wrong number the way to correct the tenant's numbers."""

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.access import in_team_scope

from .call_models import Call
from .call_text import call_summary, when_text


def _raised_text(call):
    """The requests a call raised, each a link to its page, and who picks them up: the team,
    until someone takes them on (DOMAIN.md, Here to Help), from the call's page in one click.
    The links open in a new tab: after "Save and take next call" this banner sits above the
    next call, whose form the officer may already be typing in."""
    raised = getattr(call, "raised_requests", [])
    if not raised:
        return ""
    links = format_html_join(
        ", ",
        '<a class="govuk-notification-banner__link" href="{}" target="_blank" rel="noopener">'
        "{} (opens in new tab)</a> (due {})",
        (
            (reverse("help:request", args=[r.pk]), r.get_need_display(), when_text(r.due_at))
            for r in raised
        ),
    )
    count = len(raised)
    # The requests' team is the tenant's team when raised (read with the call, call_log).
    patch = call.tenant.patch
    team = patch.team.name if patch is not None and patch.team_id else "the team"
    them = "them" if count != 1 else "it"
    return format_html(
        ' Raised {} request{}: {}. {} for someone in {} to take {} on: <a class="govuk-'
        'notification-banner__link" href="{}#call-requests" target="_blank" rel="noopener">take {} '
        "on yourself (opens in new tab)</a>.",
        count,
        "s" if count != 1 else "",
        links,
        "They wait, with no owner," if count != 1 else "It waits, with no owner,",
        team,
        them,
        reverse("welfare:call", args=[call.pk]),
        them,
    )


def saved_banner(user, call):
    """`call_summary` with the requests raised as links, and after a wrong number a link to
    correct the tenant's numbers (for those who may open them: the numbers page 404s for other
    teams)."""
    summary = format_html("{}{}", call_summary(call, with_requests=False), _raised_text(call))
    tenant = call.tenant
    team_id = tenant.patch.team_id if tenant.patch_id else None
    if call.outcome != Call.Outcome.WRONG_NUMBER or not in_team_scope(user, team_id):
        return summary
    url = reverse("tenants:numbers", args=[tenant.pk])
    if call.task_id and call.task.is_open:
        # The call goes on (another number to dial): the numbers page leads back to it.
        url += f"?task={call.task_id}"
    return format_html(
        '{} <a class="govuk-notification-banner__link" href="{}">Correct the phone number</a>',
        summary,
        url,
    )
