"""A scheduled job's advisory lock held by another connection, as a second beat run would."""

from contextlib import contextmanager

from django.db import connections


@contextmanager
def lock_held_elsewhere(name):
    """While in the block, another database connection holds the advisory lock `name`."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN; SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
            try:
                yield
            finally:
                cursor.execute("ROLLBACK")
    finally:
        other.close()
