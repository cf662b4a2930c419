"""The test run: PostgreSQL and Redis on this machine unless the environment says otherwise.

Tests run with DEBUG-style defaults (a throwaway key, plain static storage); the production
settings are checked separately by `tests/test_settings_deploy.py` in a subprocess.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/welfare")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{os.getpid()}")
# pytest-xdist's processes (the clock reruns) inherit the prefix: each keeps a cache of its own,
# as each has a database of its own, so one process's settings never leak into another's test.
# A queue of this run's own, so a worker left over from another run never takes its tasks.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"test-{os.getpid()}")
# The same for each pytest-xdist process: its Celery worker takes only the tasks its own tests
# send, which read its own database.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["CACHE_KEY_PREFIX"] += f"-{os.environ['PYTEST_XDIST_WORKER']}"
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] += f"-{os.environ['PYTEST_XDIST_WORKER']}"

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
