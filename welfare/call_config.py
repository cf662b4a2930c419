"""What every call page and every logged call reads and managers change a few times a year: the
running campaigns (with their teams, patches and questions) and the cohorts. Read from the
database these were five queries a logged call and more on the next call's page
(bench/call_logging.py); here each process keeps them.

Each process keeps its copy under a version stored in the Django cache (Redis in production),
and asks for that version at most once a second (LOCAL_SECONDS), as services/cache.py does for
the public pages. A save of a campaign, a question, a campaign's teams or patches, or a cohort
drops this process's copy and writes a new version at once, with the time it was written. For
GRACE_SECONDS after that no process keeps a copy (each reads the rows every time): a process
that read the version before the change committed would otherwise keep the rows as they were
before it. No copy is older than MAX_SECONDS, a safety net for rows changed outside the ORM's
saves (a shell's `update()`, a migration). If the cache cannot be reached, the rows are read
from the database on every use, as before.

The objects are shared between the requests of a process: callers read them and never change
them (the lists handed out are copies).
"""

import logging
import time
import uuid

from django.core.cache import cache

logger = logging.getLogger(__name__)

VERSION_KEY = "welfare:call-config:version:v2"
LOCAL_SECONDS = 1.0
GRACE_SECONDS = 30.0
MAX_SECONDS = 300.0
RETRY_SECONDS = 5.0

# name -> (version, monotonic time loaded, value)
_values = {}
# The version last read from the cache, when it was read, and until when the cache is not tried.
_state = {"version": None, "checked": float("-inf"), "down_until": float("-inf")}


def _forget():
    _values.clear()
    _state.update(version=None, checked=float("-inf"))


def _write(written_at):
    try:
        cache.set(VERSION_KEY, f"{uuid.uuid4().hex}:{written_at}", None)
    except Exception:  # a change is never answered with an error
        logger.warning("Cache unreachable: call settings version not changed", exc_info=True)
        _state["down_until"] = time.monotonic() + RETRY_SECONDS


def reset():
    """Forget this process's copies and start a version written long ago (tests start here:
    their rows were rolled back, and the settings are as a server's long after a change)."""
    _forget()
    _state["down_until"] = float("-inf")
    _write(0)


def changed(**kwargs):
    """A signal receiver: the settings changed (perhaps not yet committed)."""
    _forget()
    _write(time.time())


def _written_at(version):
    """When `version` ("<uuid>:<epoch seconds>") was written; 0 (long ago) if it says not."""
    try:
        return float(str(version).rpartition(":")[2])
    except ValueError:
        return 0.0


def _version(now):
    """The current version, or None to read the rows afresh (a recent change, or no cache)."""
    if now < _state["down_until"]:
        return None
    if now - _state["checked"] >= LOCAL_SECONDS or _state["version"] is None:
        try:
            version = cache.get(VERSION_KEY)
            if version is None:
                cache.add(VERSION_KEY, f"{uuid.uuid4().hex}:{time.time()}", None)
                version = cache.get(VERSION_KEY)
        except Exception:
            logger.warning("Cache unreachable: call settings read from the database", exc_info=True)
            _values.clear()
            _state.update(version=None, down_until=now + RETRY_SECONDS)
            return None
        _state.update(version=version, checked=now)
    version = _state["version"]
    if abs(time.time() - _written_at(version)) < GRACE_SECONDS:
        return None
    return version


def cached(name, build):
    """`build()`'s value, kept in this process while the version holds."""
    now = time.monotonic()
    version = _version(now)
    if version is None:
        return build()
    entry = _values.get(name)
    if entry is not None and entry[0] == version and now - entry[1] < MAX_SECONDS:
        return entry[2]
    value = build()
    if len(_values) > 50:  # one entry per day and kind: old days go
        _values.clear()
    _values[name] = (version, now, value)
    return value


def running_campaigns(on):
    """`campaign_rules.running_campaigns(on)`, kept (a copy of the list)."""
    from .campaign_rules import running_campaigns

    return list(cached(("running_campaigns", on), lambda: running_campaigns(on)))


def active_cadences():
    """`cadence.active_cadences()`, kept (a copy)."""
    from .cadence import active_cadences

    return dict(cached("active_cadences", active_cadences))


def cohorts():
    """{code: Cohort} of every cohort, switched on or off, in their order; kept (a copy)."""
    from .models import Cohort

    return dict(cached("cohorts", lambda: {c.code: c for c in Cohort.objects.all()}))


def connect():
    """Drop the copies whenever one of the rows they come from is saved or deleted."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .campaign_models import Campaign, CampaignQuestion
    from .models import Cohort

    for model in (Campaign, CampaignQuestion, Cohort):
        for signal in (post_save, post_delete):
            signal.connect(changed, sender=model, dispatch_uid=f"call_config:{model.__name__}")
    for through in (Campaign.teams.through, Campaign.patches.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"call_config:{through}")
