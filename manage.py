#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the developer's tool: without DEBUG in the environment it runs in
    # development mode. The servers (gunicorn via config/wsgi.py, Celery) have no such default,
    # and production sets DEBUG=false, so there a missing SECRET_KEY still stops everything.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
