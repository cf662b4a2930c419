# Two commands: `make run` (demo on SQLite, nothing else needed) and `make test` (the whole suite
# on PostgreSQL and Redis). `make install` alone installs; it is quick when nothing changed.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# Bytecode is written and reused: with PYTHONDONTWRITEBYTECODE set (as on some CI machines) every
# Python process the suite starts (pytest-xdist's, the Celery worker, `manage.py` subprocesses)
# compiled Django and rewrote every test module's asserts again, about 11 s of CPU each.
unexport PYTHONDONTWRITEBYTECODE
export UV_PROJECT_ENVIRONMENT := $(VENV)

DEMO_TENANTS ?= 500
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/welfare
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The date-sensitive tests run again at each of these Europe/London times: 29 February, either
# side of the clocks going forward, and Friday 31 December 2027 at 23:59, which is the last day
# of a month and of a year and the Friday before a bank holiday (Monday 3 January 2028, New
# Year's Day observed; Christmas's two were on the Monday and Tuesday before). One clock for
# those three saved a fifth of the reruns. `make test CLOCKS=` skips them.
CLOCKS ?= 2028-02-29T09:00 2027-03-28T00:30 2027-03-28T02:30 2027-12-31T23:59

.PHONY: install run test test-random lint format check-deploy worker beat clean

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "ERROR: $(PYTHON) is needed"; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON) --quiet
	@touch $@

install: $(VENV)/.synced

run: install
	DEBUG=true $(PY) manage.py migrate --no-input
	DEBUG=true $(PY) manage.py seed_demo --tenants $(DEMO_TENANTS) --if-empty
	DEBUG=true $(PY) manage.py build_call_queue
	DEBUG=true $(PY) manage.py refresh_dashboard
	DEBUG=true $(PY) manage.py demo_backup_code manager
	@echo "Serving on http://127.0.0.1:8000 (Ctrl+C stops it)"
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install lint
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-services.sh
	@echo "== the whole suite on two processes: the journeys in Chromium, the tests on a real Celery worker,"
	@echo "   the rest, and each date-sensitive test again at each of: $(strip $(CLOCKS)) (Europe/London)"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest --create-db -n 2 \
		$(if $(strip $(CLOCKS)),--clock now $(addprefix --clock ,$(CLOCKS))) $(PYTEST_ARGS)

test-random: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(VENV)/bin/pytest -p randomly -o addopts="--reuse-db -p no:cacheprovider --strict-markers" $(PYTEST_ARGS)

check-deploy: install
	DEBUG=false SECRET_KEY=check-only-$$RANDOM-not-a-real-key-but-long-enough-for-django-checks \
		ALLOWED_HOSTS=welfare.example.org EMAIL_URL=smtp://localhost:25 \
		$(PY) manage.py check --deploy --fail-level WARNING

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) .tools db.sqlite3 staticfiles
