"""The escalation ladder, written once: what happens to a tenant the phone does not reach, rung
by rung. The numbers are the ones the code runs on (call_actions, the messaging switches), so
the managers' page (welfare:ladder) cannot drift from what happens."""

from messaging.models import Kind

from .call_actions import ATTEMPTS_BEFORE_ESCALATION
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
            "title": "Message before the call",
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
