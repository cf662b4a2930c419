"""Calls in words: the saved banner, call-back times and time left to a request's target."""

from datetime import timedelta

from django.utils import timezone


def when_text(moment, now=None):
    """ "today at 14:30", "tomorrow at 09:00", "on Monday at 17:00", "on 3 August 2026 at
    17:00"; a moment at 23:59 (a request's target) is "by the end of tomorrow"."""
    now = timezone.localtime(now or timezone.now())
    moment = timezone.localtime(moment)
    days = (moment.date() - now.date()).days
    if (moment.hour, moment.minute) == (23, 59):  # a target: the end of a working day
        day = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(days)
        if day is None:
            day = f"{moment:%A}" if 1 < days < 7 else f"{moment:%-d %B %Y}"
        return f"by the end of {day}"
    clock = f"{moment:%H:%M}"
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days == -1:
        return f"yesterday at {clock}"
    if 1 < days < 7:
        return f"on {moment:%A} at {clock}"
    return f"on {moment:%-d %B %Y} at {clock}"


def day_text(moment, now=None):
    """A retry's time: its day when it is from midnight (a no-answer comes back at the start of
    the next working day) - "today", "tomorrow", "Monday 7 December", "4 January 2027" - and
    `when_text` otherwise. Never "at 00:00"."""
    now = timezone.localtime(now or timezone.now())
    local = timezone.localtime(moment)
    if (local.hour, local.minute) != (0, 0):
        return when_text(moment, now)
    days = (local.date() - now.date()).days
    if days in (0, 1):
        return "today" if days == 0 else "tomorrow"
    if local.year == now.year and 1 < days < 7:
        return f"{local:%A %-d %B}"
    return f"{local:%A %-d %B %Y}" if local.year != now.year else f"{local:%-d %B}"


def _amount(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if delta < timedelta(days=2):
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{delta.days} days"


def target_text(due_at, now=None):
    """ "due in 5 hours", "2 days past target"."""
    now = now or timezone.now()
    if due_at >= now:
        return f"due in {_amount(due_at - now)}"
    return f"{_amount(now - due_at)} past target"


def _ordinal(n):
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def call_summary(call, now=None, with_requests=True):
    """The saved banner: what the call did, with the requests it raised and their targets
    (`with_requests`; the call page's banner links them, welfare.call_views)."""
    what = call.get_outcome_display()
    if call.wellbeing:
        what += f", {call.get_wellbeing_display().lower()}"
    if call.call_back_at:
        what += f": call back {when_text(call.call_back_at, now)}"
    if call.in_hospital_until:
        what += f" until {call.in_hospital_until:%-d %B %Y}"
        if call.discharge_date_not_known:
            what += " (discharge date not known: we call again then to ask)"
    text = f"Call to {call.tenant.full_name} recorded: {what}."
    if call.outcome == call.Outcome.WRONG_NUMBER:
        text += _wrong_number_text(call)
    elif call.outcome in call.FAILED and call.task.closed_reason == "escalated":
        text += (
            f" That was the {_ordinal(call.task.attempts)} day without an answer: an escalation is"
            f" open, and a manager will try to reach {call.tenant.full_name} another way."
        )
    elif call.outcome in call.FAILED and call.task.is_open and call.task.available_from:
        # No answer and voicemail alike: when the call comes back to the queue.
        text += f" The next attempt is from {day_text(call.task.available_from, now)}."
    raised = getattr(call, "raised_requests", []) if with_requests else []
    if raised:
        items = ", ".join(
            f"{request.get_need_display()} (due {when_text(request.due_at, now)})"
            for request in raised
        )
        text += f" Raised {len(raised)} request{'s' if len(raised) != 1 else ''}: {items}."
    return text


def _wrong_number_text(call):
    """After a wrong or dead number: the number marked, then the number to try now on the same
    call (the task stays with the officer), or the escalation opened when none is left."""
    marked = getattr(call, "number_marked", None)
    if call.task.is_open:
        left = call.tenant.numbers_to_dial()
        text = f" {marked.number.as_national} is marked wrong." if marked is not None else ""
        return text + (f" Try {left[0].as_national} now." if left else "")
    text = ""
    if marked is not None:
        text += f" {marked.number.as_national} is marked as a wrong number and is not dialled."
    return (
        text + f" An escalation is open: a manager will try to reach {call.tenant.full_name}"
        " another way."
    )


def campaign_text(campaign, today):
    """A campaign in a call's "why now": its name and, for a "once by" campaign, its deadline
    ("Cold snap check - once by 19 Dec"); a campaign with a cadence is the task's cadence."""
    if campaign.schedule != campaign.Schedule.ONCE or campaign.ends_on is None:
        return campaign.name
    by = f"{campaign.ends_on:%-d %b}"
    if campaign.ends_on.year != today.year:
        by += f" {campaign.ends_on:%Y}"
    return f"{campaign.name} - once by {by}"


def why_now(task, today, cohorts, cadence_days, campaigns=()):
    """Why this call is in the queue, in words, each fact once: "Lifeline customer - due every
    28 days - overdue 3 days" (a cohort named is not repeated from the task's own reasons).

    The cadence is the one the task is ranked by (the build's, `task.cadence_days`), so that it
    goes with the days overdue beside it: a supported living tenant (every 14 days) queued by
    the provider-critical campaign is "due every 7 days". `cadence_days`, the tenant's cohorts'
    cadence, is the fallback for a task with none (a "once by" campaign's is 0).

    `campaigns`: the other running campaigns the tenant is due in, named after the cohorts
    (campaign_selectors.campaigns_due_among). A task due after today is ranked by a "once by"
    campaign's deadline alone: the cohorts' cadence is not due, so neither it nor "due today"
    is said."""
    cadence_days = task.cadence_days or cadence_days
    due = task.due_on <= today
    why = [*cohorts, *(campaign_text(campaign, today) for campaign in campaigns)]
    if cadence_days and due:
        why.append(f"due every {cadence_days} days")
    named = {name.lower() for name in cohorts}
    reasons = task.reasons(today).split(" - ")
    if not due:
        reasons = reasons[1:]  # the first is how overdue it is: "due today" at most
    why += [part for part in reasons if part not in named]
    return " - ".join(why)


def hospital_date_not_known(tenant):
    """Whether the tenant's hospital stay was recorded on a call that did not know the
    discharge date: the date held is then when we call again to ask, not the discharge
    date, and the record must not read as if it were."""
    if not tenant.in_hospital_until:
        return False
    from .call_models import Call

    latest = (
        Call.objects.filter(tenant_id=tenant.pk, outcome=Call.Outcome.IN_HOSPITAL)
        .order_by("-made_at")
        .only("in_hospital_until", "discharge_date_not_known")
        .first()
    )
    return bool(
        latest
        and latest.discharge_date_not_known
        and latest.in_hospital_until == tenant.in_hospital_until
    )


def hospital_text(tenant, not_known):
    """ "in hospital until 8 December 2026", or when nobody knew the discharge date, "in
    hospital (discharge date not known); we call again on 8 December 2026 to ask"."""
    if not_known:
        return (
            "in hospital (discharge date not known); we call again on "
            f"{tenant.in_hospital_until:%-d %B %Y} to ask"
        )
    return f"in hospital until {tenant.in_hospital_until:%-d %B %Y}"
