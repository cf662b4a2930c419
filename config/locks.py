"""PostgreSQL advisory locks for scheduled jobs and imports. SQLite (the `make run` demo) has no
such locks and runs one process, so there the lock is always granted."""

from django.db import connection


def advisory_xact_lock(key, *, wait=False):
    """Take a transaction-level advisory lock on `key` (an int, or a name hashed in SQL); it is
    released at the end of the current transaction. With `wait=False` answer at once whether
    we got it; with `wait=True` block until we do (and answer True)."""
    if connection.vendor != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    argument = "hashtext(%s)" if isinstance(key, str) else "%s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({argument})", [key])  # noqa: S608  names are ours
        row = cursor.fetchone()
    return True if wait else bool(row[0])
