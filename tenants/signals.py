"""What the register tells the apps above it. tenants/ imports no domain app: an app that must
act when a tenant changes connects a receiver here (in its AppConfig.ready)."""

from typing import NamedTuple

from django.dispatch import Signal

# Sent inside the transaction that changed the flags, with `tenant` and `changed` (the names of
# the flag fields that changed), so receivers' writes commit or roll back with the change.
tenant_flags_changed = Signal()

# Sent by the tenant import inside its transaction once its rows are saved (not on a dry run),
# with `on` (the import's day): an app that keeps something for each support provider makes it
# for the providers that lack it, the import's new ones among them, set-based (welfare: the team
# that checks in with each).
tenant_import_saved = Signal()

# Sent by the record's numbers page inside the transaction that added or marked one of the
# tenant's numbers, with `tenant` and `now` (not by a call's "Wrong or dead number": the call's
# own outcome decides what follows it). A receiver may return a sentence for the person who made
# the change, saying what followed (welfare: a call passed to a manager with no number left to
# dial, or back in the queue with one found), as a str or a `Followed`.
tenant_numbers_changed = Signal()


class Followed(NamedTuple):
    """What a receiver of `tenant_numbers_changed` did, in a sentence, and the page where work
    goes on from it: a call back in the queue, for an officer who opened the numbers page from
    the call that had passed to a manager (`?task=`), instead of that closed call."""

    sentence: str
    next_url: str = ""
