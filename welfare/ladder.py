"""The escalation ladder, written once: what happens to a tenant the phone does not reach, rung
by rung. The numbers are the ones the code runs on (call_actions, the messaging switches), so
the managers' page (welfare:ladder) cannot drift from what happens."""

from messaging.models import Kind, MessageKind

from .call_actions import ATTEMPTS_BEFORE_ESCALATION
from .models import Cohort
from .visit_models import Visit

LADDER = {
    "attempts_before_escalation": ATTEMPTS_BEFORE_ESCALATION,
    "messages": [
        (Kind.BEFORE_CALL, "When the day's queue is built, before the first call attempt."),
        (Kind.NO_ANSWER, "After each no answer or voicemail."),
    ],
    "visit_outcomes": Visit.Outcome.choices,
}


def ladder_steps():
    """The ladder as steps a person reads, top to bottom."""
    attempts = LADDER["attempts_before_escalation"]
    return [
        {
            "title": "Message before the first call",
            "text": "The tenant gets \u201cWe\u2019ll call you today from <number>\u201d when the "
            "day's queue is built, if their cohort has this message switched on.",
            "kind": Kind.BEFORE_CALL,
        },
        {
            "title": "Call, and retry the next working day",
            "text": f"A no answer or voicemail counts as a failed attempt; the call comes back "
            f"the next working day. After {attempts} failed attempts on different days, the "
            "call is escalated to a manager.",
            "kind": None,
        },
        {
            "title": "Message after a no answer",
            "text": "After each failed attempt the tenant gets "
            "\u201cWe tried to call you\u2026\u201d.",
            "kind": Kind.NO_ANSWER,
        },
        {
            "title": "Escalation to a manager",
            "text": "The manager tries family (with consent), the support provider and "
            "Progress Lifeline. A wrong number with no other number to try, or a reported "
            "death, escalates at once; a tenant with no number to dial is escalated when their "
            "call is due, not queued.",
            "kind": None,
        },
        {
            "title": "Doorstep visit",
            "text": "When those do not reach the tenant, the manager raises a visit for an "
            "officer or team with a date to visit by. Outcomes: "
            + ", ".join(label.lower() for _, label in Visit.Outcome.choices)
            + ". A card left sends the call back to the queue at once.",
            "kind": None,
        },
    ]


def _before_call_status(enabled):
    """What the message before the call does now: it goes to a tenant only while its kind is
    switched on (messaging) and their cohort has it on (welfare.before_call, active cohorts)."""
    cohorts = list(
        Cohort.objects.filter(active=True).order_by("id").values("name", "before_call_message")
    )
    named = [row["name"] for row in cohorts if row["before_call_message"]]
    if not enabled:
        return False, "Switched off", "Switched off on the messages page: no tenant gets it."
    if not named:
        return (
            False,
            "Off for every cohort",
            "Switched on, but no cohort has it on: no tenant gets it.",
        )
    if len(named) == len(cohorts):
        return True, "On for every cohort", "Sent to tenants in every cohort."
    return (
        True,
        f"On for {len(named)} of {len(cohorts)} cohorts",
        f"Sent only to tenants in: {', '.join(named)}.",
    )


def ladder_page():
    """The ladder's steps with what each message step does now: `on` (its tag's colour),
    `status` (the tag) and `status_text` (a sentence under the step). Two queries."""
    enabled = {row.kind: row.enabled for row in MessageKind.objects.every_kind()}
    steps = []
    for step in ladder_steps():
        if step["kind"] == Kind.BEFORE_CALL:
            on, status, text = _before_call_status(enabled[Kind.BEFORE_CALL])
            step = {**step, "on": on, "status": status, "status_text": text, "cohorts": True}
        elif step["kind"]:
            on = enabled[step["kind"]]
            step = {**step, "on": on, "status": "Switched on" if on else "Switched off"}
        steps.append(step)
    return steps
