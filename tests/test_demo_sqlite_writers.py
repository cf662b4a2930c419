"""The demo (`make run`) runs on SQLite under runserver, one thread a request. Two officers
saving calls at once must both be saved: a transaction that reads and then writes while another
writes was refused at once ("database is locked", seen by two testers on the demo), whatever
the busy timeout. The settings begin transactions IMMEDIATE, so the second waits its turn."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RACE = """
import threading, time, django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE claim (id INTEGER PRIMARY KEY, by INTEGER)")
    cursor.execute("INSERT INTO claim (id, by) VALUES (1, 0)")
connection.close()
errors = []
def officer(n):
    try:
        with transaction.atomic():  # as a claim: read the task, then write it
            with connection.cursor() as cursor:
                cursor.execute("SELECT by FROM claim WHERE id = 1")
                time.sleep(0.3)
                cursor.execute("UPDATE claim SET by = %s WHERE id = 1", [n])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()
threads = [threading.Thread(target=officer, args=(n,)) for n in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("errors:", errors)
"""


def test_two_officers_saving_at_once_on_the_demo_database_are_both_saved(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", RACE],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "errors: []", result.stdout
