"""Welfare calls on other apps' pages (the Here to Help request page)."""

from django import template

from welfare.call_models import Call
from welfare.call_text import day_text, when_text
from welfare.call_text import target_text as _target_text
from welfare.campaign_models import answered_scripts_prefetch

register = template.Library()


@register.simple_tag
def raising_call(help_request):
    """The welfare call that raised `help_request` (the "spoke to tenant" call on its task),
    with the answers to the campaigns' scripts it covered."""
    if not help_request.source_task_id:
        return None
    return (
        Call.objects.filter(task_id=help_request.source_task_id, outcome=Call.Outcome.SPOKE)
        .select_related("officer")
        .prefetch_related(answered_scripts_prefetch())
        .first()
    )


@register.simple_tag
def latest_spoken_call(tenant):
    """The last call on which `tenant` was spoken to, with the answers to the campaigns' scripts
    it covered: the facts beside "Raise a flag" when no Here to Help request leads to it."""
    return (
        Call.objects.filter(tenant_id=tenant.pk, outcome=Call.Outcome.SPOKE)
        .select_related("officer")
        .prefetch_related(answered_scripts_prefetch())
        .order_by("-made_at")
        .first()
    )


@register.filter
def time_to_target(help_request):
    """ "due in 5 hours", "2 days past target"."""
    return _target_text(help_request.due_at)


@register.filter
def when(moment):
    """ "today at 14:30", "tomorrow at 09:00"."""
    return when_text(moment) if moment else ""


@register.filter
def call_back_when(moment):
    """ "at 14:30" for a call-back booked for today; "yesterday at 14:30" and so on otherwise."""
    return when_text(moment).removeprefix("today ") if moment else ""


@register.filter
def retry_when(moment):
    """ "tomorrow", "Monday 7 December": when a retry after no answer comes back (never
    "at 00:00"; a time when it is not from midnight)."""
    return day_text(moment) if moment else ""
