"""The public outputs (page, JSON, feed) are rendered once and served from the Django cache.

An entry holds the body and the moment the next scheduled change takes effect. It is served only
before that moment, and Redis drops it then too, so a scheduled change shows by itself with no
job running. Writes change the version key on commit, and every key includes the version, so a
change or a cancellation shows at once.

Why a version key rather than deleting the entries: a request that read the old rows before the
writer committed may store its render after the writer's delete, and that stale render would then
be served until it expired. With a version, such a render lands under a version nobody reads.

Each process also keeps the entries it has served in memory, and asks Redis for the version at
most once a second (LOCAL_SECONDS): with redis-py, one cache read costs more than a whole
hello-world request (bench/status_load.py). So another worker may show the old version for up to
a second after a change; the process that made the change drops its copies at once, and no copy
is served past the next scheduled change.

Browsers and proxies keep a copy but check it on every visit (`max-age=0, must-revalidate`): each
entry has an ETag made from its body, so an unchanged page is a 304 with no body and no query, and
a tenant who reopens a page after a change, or after a scheduled change's time, gets the new one.

If Redis cannot be reached, every public output is built from the database instead (a few
queries a request) and the failure is logged; Redis is tried again after RETRY_SECONDS. A write
whose invalidation fails is still committed and answered normally; the process bumps the version
as soon as it reaches Redis again, and any entry another process stored before the outage lives at
most MAX_TIMEOUT.
"""

import hashlib
import logging
import time
import uuid
from math import ceil

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

VERSION_KEY = "services:public:version"
# Upper bound on how long an entry lives, whatever is scheduled: a safety net for rows changed
# outside the actions (the Django admin, a shell).
MAX_TIMEOUT = 300
# How long a process serves its own copy before checking the version in Redis again.
LOCAL_SECONDS = 1.0

# After a Redis failure, go straight to the database for this long before trying Redis again.
RETRY_SECONDS = 5.0

# kind -> (version, entry, monotonic time the version was last checked)
_local = {}
# Monotonic time until which Redis is not tried, and whether a version bump is owed to it.
_state = {"down_until": 0.0, "owed": False}


def invalidate():
    _local.clear()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except RedisError:
        # Never let a committed change be answered with an error: pay the bump back later.
        logger.warning("Redis unreachable: public cache version not bumped", exc_info=True)
        _redis_failed()
    else:
        _state["owed"] = False


def _redis_failed():
    _local.clear()
    _state["down_until"] = time.monotonic() + RETRY_SECONDS
    _state["owed"] = True


def reset():
    """Forget this process's copies and any Redis failure (tests start from here)."""
    _local.clear()
    _state.update(down_until=0.0, owed=False)


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

    `build` returns (body, next_change_at); the entry is a dict with "body" and "until", the
    epoch seconds it is good until: the next scheduled change, or MAX_TIMEOUT from now. Entries
    are kept per language, so a translated page is never served to someone reading another.
    """
    kind = f"{get_language()}:{kind}"
    if time.monotonic() < _state["down_until"]:
        return _entry(*build(), time.time())
    try:
        if _state["owed"]:
            invalidate()
            if _state["owed"]:  # still unreachable
                return _entry(*build(), time.time())
        return _get_or_build(kind, build)
    except RedisError:
        logger.warning("Redis unreachable: public output built from the database", exc_info=True)
        _redis_failed()
        return _entry(*build(), time.time())


def _entry(body, next_change_at, now):
    until = now + MAX_TIMEOUT
    if next_change_at is not None:
        until = min(until, next_change_at.timestamp())
    return {"body": body, "until": until, "etag": _etag(body)}


def _etag(body):
    # Weak: the HTML pages get a new CSP nonce in each response, so two responses for one entry
    # are the same page but not the same bytes.
    data = body if isinstance(body, bytes) else body.encode()
    return f'W/"{hashlib.sha256(data).hexdigest()[:32]}"'


def _get_or_build(kind, build):
    now, checked_at = time.time(), time.monotonic()
    local = _local.get(kind)
    if local is not None and _fresh(local[1], now):
        if checked_at - local[2] < LOCAL_SECONDS:
            return local[1]
        version = _version()
        if local[0] == version:
            _local[kind] = (version, local[1], checked_at)
            return local[1]
    else:
        version = _version()
    key = f"services:public:{version}:{kind}"
    entry = cache.get(key)
    if entry is None or not _fresh(entry, now):
        entry = _entry(*build(), now)
        cache.set(key, entry, max(1, ceil(entry["until"] - now)))
    _local[kind] = (version, entry, checked_at)
    return entry


def _fresh(entry, now):
    return now < entry["until"]


def etag(entry):
    """The entry's ETag (an entry stored before ETags were kept gets one from its body)."""
    return entry.get("etag") or _etag(entry["body"])
