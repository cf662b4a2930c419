"""The public outputs (page, JSON, feed) are rendered once and served from the Django cache.

An entry holds the body and the moment the next scheduled change takes effect. It is served only
before that moment, and Redis drops it then too, so a scheduled change shows by itself with no
job running. Writes change the version key on commit, and every key includes the version, so a
change or a cancellation shows at once.

Why a version key rather than deleting the entries: a request that read the old rows before the
writer committed may store its render after the writer's delete, and that stale render would then
be served until it expired. With a version, such a render lands under a version nobody reads.
"""

import time
import uuid
from math import ceil

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "services:public:version"
# Upper bound on how long an entry lives, whatever is scheduled: a safety net for rows changed
# outside the actions (the Django admin, a shell).
MAX_TIMEOUT = 300
# How long browsers and proxies may keep a copy (Cache-Control max-age), at most.
BROWSER_MAX_AGE = 60


def invalidate():
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def invalidate_on_commit():
    transaction.on_commit(invalidate)


def _version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # add, not set: a concurrent invalidate() must win over this first-time default.
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def get_or_build(kind, build):
    """The cached entry for `kind`, or a fresh one from `build()`.

    `build` returns (body, next_change_at); the entry is a dict with "body" and "until" (epoch
    seconds of the next scheduled change, or None).
    """
    key = f"services:public:{_version()}:{kind}"
    entry = cache.get(key)
    now = time.time()
    if entry is not None and (entry["until"] is None or now < entry["until"]):
        return entry
    body, next_change_at = build()
    until = next_change_at.timestamp() if next_change_at else None
    timeout = MAX_TIMEOUT if until is None else max(1, min(MAX_TIMEOUT, ceil(until - now)))
    entry = {"body": body, "until": until}
    cache.set(key, entry, timeout)
    return entry


def max_age(entry):
    """Seconds a browser may keep `entry`: never past the next scheduled change."""
    if entry["until"] is None:
        return BROWSER_MAX_AGE
    return max(0, min(BROWSER_MAX_AGE, int(entry["until"] - time.time())))
