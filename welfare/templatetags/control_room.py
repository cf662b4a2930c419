from django import template
from django.utils import timezone

from welfare.control_forms import EscalationOwnerForm
from welfare.control_selectors import escalation_target_due

register = template.Library()


@register.inclusion_tag("welfare/includes/escalation_owner.html", takes_context=True)
def escalation_owner_panel(context, escalation):
    """An escalation's owner (a manager changes it) and its age target."""
    due = escalation_target_due(escalation)
    # Counted in whole (Europe/London) days past the target day, so "missed by 1 day" on the
    # day after it, whatever the hour.
    ended = escalation.closed_at if not escalation.is_open else timezone.now()
    days_late = (timezone.localtime(ended).date() - due.date()).days if ended else 0
    return {
        "escalation": escalation,
        "form": EscalationOwnerForm(initial={"owner": escalation.owner_id}),
        "target_due": due,
        "past_target": escalation.is_open and days_late > 0,
        "days_late": max(days_late, 0),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
