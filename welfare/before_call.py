"""“We'll call you today from <number>”: the message before the first call attempt
(README: Messages). Managers switch it on per cohort (`Cohort.before_call_message`) and keep its
Notify templates with the other kinds (messaging's "before_call" kind)."""

from datetime import datetime, time
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone

from messaging.batch import messages_queue_for_tenants
from messaging.models import Kind

from .cadence import call_tenants
from .call_models import Call
from .models import CallTask, Cohort, QueueSettings

REFERENCE_PREFIX = "call-task-"


def before_call_cohorts(on):
    """Who is in a cohort with the message switched on, as a Q over tenants (None: nobody)."""
    codes = set(
        Cohort.objects.filter(before_call_message=True, active=True).values_list("code", flat=True)
    )
    if not codes:
        return None
    rules = call_tenants().call_cohort_rules(on)
    parts = [rules[code] for code in codes if code in rules]
    if Cohort.Code.EVERYONE_ELSE in codes:
        parts.append(~reduce(or_, rules.values()))
    return reduce(or_, parts)


def send_from(on):
    """When the day's messages may start going: BEFORE_CALL_MESSAGES_FROM (default 08:00,
    Europe/London) on `on`."""
    hour, minute = (int(part) for part in settings.BEFORE_CALL_MESSAGES_FROM.split(":"))
    return datetime.combine(on, time(hour, minute), tzinfo=timezone.get_current_timezone())


def before_call_messages_queue(*, on, opened_at, tenant_id=None):
    """Queue the message to each tenant whose call this build opened (`opened_at`: the build's
    moment) for `on`, in a cohort with the message switched on; return how many were queued.
    A call opened by an earlier build is not told hours later. `tenant_id`: only that tenant's
    (a call opened at once for one tenant, `queue_now.call_task_open_for`).

    Set-based (one INSERT ... SELECT in messaging.batch), in the caller's transaction, and sent
    by Celery after it commits. Each call task's message has its own reference, so a build run
    again (or a rebuild after a manager's change) sends nothing twice."""
    cohorts = before_call_cohorts(on)
    if cohorts is None:
        return 0
    first_call = CallTask.objects.filter(
        tenant=OuterRef("pk"),
        status=CallTask.Status.OPEN,
        opened_on=on,
        created_at=opened_at,
        attempts=0,
    ).exclude(Exists(Call.objects.filter(task=OuterRef("pk"))))
    tenants = call_tenants() if tenant_id is None else call_tenants().filter(pk=tenant_id)
    tenants = tenants.filter(cohorts, Exists(first_call)).annotate(
        task_id=first_call.values("pk")[:1]
    )
    number = QueueSettings.current()["calls_from_number"]
    return messages_queue_for_tenants(
        kind=Kind.BEFORE_CALL,
        tenants=tenants,
        reference=Concat(
            Value(REFERENCE_PREFIX), Cast(F("task_id"), CharField()), output_field=CharField()
        ),
        personalisation=JSONObject(first_name=F("first_name"), number=Value(number)),
        send_at=send_from(on),
    )


def before_call_message_for(task):
    """The message sent before `task`'s first attempt, if any (for the call page and tests)."""
    return task.tenant.messages.filter(
        kind=Kind.BEFORE_CALL, reference=f"{REFERENCE_PREFIX}{task.pk}"
    ).first()
