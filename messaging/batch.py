"""One message to each of many tenants (the message before the first call): the rows are written
by one INSERT ... SELECT, each to where `routes.with_route` says a message reaches that tenant,
and Celery sends them after commit, a batch of rows per task, paced to the rate limit."""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.utils import timezone

from .models import Kind, Message, MessageKind, Status
from .routes import with_route

SEND_BATCH = 500


@transaction.atomic
def messages_queue_for_tenants(*, kind, tenants, reference, personalisation, send_at=None):
    """Queue a `kind` message to every tenant in `tenants` that a message can reach; return
    how many were queued.

    `reference` and `personalisation` are expressions over the tenant rows (F, Value, Concat,
    JSONObject). A row whose reference is already taken for its kind is skipped (the unique
    constraint `message_before_call_once`), so running this twice sends nothing twice. Tenants
    who opted out of every channel, have no mobile or email, or whose only numbers are failing
    get no row. A kind switched off queues nothing. With `send_at`, sending starts no earlier
    (a text at 06:00 would wake people)."""
    kind = Kind(kind)
    if not MessageKind.objects.setting(kind).enabled:
        return 0
    now = timezone.now()
    columns = {
        "tenant_id": F("pk"),
        "kind": Value(kind),
        "channel": F("route_channel"),
        "recipient": F("route_address"),
        "personalisation": personalisation,
        "reference": reference,
        "template_id": Value(""),
        "status": Value(Status.QUEUED),
        "status_reason": Value(""),
        "attempts": Value(0),
        "created_at": Value(now),
        "updated_at": Value(now),
    }
    routed = with_route(tenants.order_by()).exclude(route_channel="")
    select = routed.annotate(**{f"m_{name}": value for name, value in columns.items()})
    sql, params = select.values_list(*(f"m_{name}" for name in columns)).query.sql_with_params()
    target = ", ".join(connection.ops.quote_name(name) for name in columns)
    table = Message._meta.db_table
    if connection.vendor == "postgresql":
        statement = f"INSERT INTO {table} ({target}) {sql} ON CONFLICT DO NOTHING RETURNING id"
    else:  # SQLite (make run): INSERT ... SELECT ... ON CONFLICT is ambiguous to its parser
        statement = f"INSERT OR IGNORE INTO {table} ({target}) {sql} RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)  # noqa: S608 (table and ORM-compiled SQL)
        ids = sorted(row[0] for row in cursor.fetchall())
    if ids:
        delay = max(0.0, (send_at - now).total_seconds()) if send_at else 0.0
        transaction.on_commit(lambda: _queue_batches(kind, ids, delay))
    return len(ids)


def _queue_batches(kind, ids, delay=0.0):
    """One task per SEND_BATCH rows, each starting when the rate limit lets it."""
    from .tasks import send_batch

    rate = settings.NOTIFY_RATE_LIMIT_PER_MINUTE
    seconds_per_batch = 60 * SEND_BATCH / rate
    for n, start in enumerate(range(0, len(ids), SEND_BATCH)):
        chunk = ids[start : start + SEND_BATCH]
        send_batch.apply_async(
            (kind, chunk[0], chunk[-1]), countdown=round(delay + n * seconds_per_batch, 3)
        )
