"""What an officer typed on a call, kept while they leave the call page mid-call (`CallDraft`):
to correct a phone number or read the tenant's record, and back to the call as they left it."""

import uuid
from datetime import timedelta

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from config.locks import advisory_xact_lock

from .call_models import CallDraft

# A draft last kept longer ago than this is of a call nobody finished: the daily job deletes it.
DRAFTS_KEPT = timedelta(days=7)
DISCARD_LOCK = "welfare.discard_stale_drafts"

# Posted with the form but not part of what was typed: the buttons, the hold and the token; and
# the number dialled, which the page shows again as the numbers are when the officer is back
# (they left to correct them: the one posted may be wrong, or no longer the only one).
NOT_TYPED = {
    "csrfmiddlewaretoken",
    "then",
    "go",
    "held_since",
    "new_attempt",
    "add_note",
    "number_dialled",
}


def typed_fields(post):
    """The call form's fields from a POST, each name with its list of values."""
    return {name: post.getlist(name) for name in post if name not in NOT_TYPED}


def call_draft_keep(*, task, officer, data, now=None):
    """Keep what `officer` typed on `task`'s call form, in place of any draft kept before."""
    draft, _ = CallDraft.objects.update_or_create(
        task=task, officer=officer, defaults={"data": data, "saved_at": now or timezone.now()}
    )
    return draft


def call_draft_for(*, task, officer):
    """`officer`'s draft of `task`'s call, or None. Only ever their own."""
    return CallDraft.objects.filter(task=task, officer=officer).first()


def call_drafts_drop(*, task, officer=None):
    """Drop `officer`'s draft of the call (saved or handed back); with no officer, every draft
    of it (the call is finished: nobody goes back to it)."""
    drafts = CallDraft.objects.filter(task=task)
    if officer is not None:
        drafts = drafts.filter(officer=officer)
    drafts.delete()


@transaction.atomic
def call_drafts_discard_stale(now=None):
    """Delete drafts last kept more than DRAFTS_KEPT ago (their call was never saved or handed
    back). A younger one stays even if the officer's hold on the call lapsed: they may take the
    call again, and it comes back. The daily beat job: one DELETE under an advisory lock, safe
    to run twice. Returns how many went, or None when another run holds the lock."""
    if not advisory_xact_lock(DISCARD_LOCK):
        return None
    cutoff = (now or timezone.now()) - DRAFTS_KEPT
    deleted, _ = CallDraft.objects.filter(saved_at__lt=cutoff).delete()
    return deleted


def as_query_dict(draft):
    """The draft as the call form's data. The form's key comes with it (nothing was recorded
    with it); a draft without one is given one, so the form shown can always be saved."""
    data = QueryDict(mutable=True)
    for name, values in draft.data.items():
        data.setlist(name, [str(value) for value in values])
    if not data.get("idempotency_key"):
        data["idempotency_key"] = str(uuid.uuid4())
    return data
