from django import template
from django.utils import timezone

from welfare.control_forms import EscalationOwnerForm
from welfare.control_selectors import escalation_target_due

register = template.Library()


@register.inclusion_tag("welfare/includes/escalation_owner.html", takes_context=True)
def escalation_owner_panel(context, escalation):
    """An escalation's owner (a manager changes it) and its age target."""
    due = escalation_target_due(escalation)
    return {
        "escalation": escalation,
        "form": EscalationOwnerForm(initial={"owner": escalation.owner_id}),
        "target_due": due,
        "past_target": escalation.is_open and timezone.now() > due,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
