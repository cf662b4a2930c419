#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1: start them if they are installed but down,
# and on Debian or Ubuntu install them from the distribution's packages if they are missing.
# Elsewhere, say exactly what to install.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
APT_UPDATED=

apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "ERROR: $1 is not installed and this is not a Debian or Ubuntu system." >&2
    echo "       Install $2 and start it on 127.0.0.1, then run make test again." >&2
    exit 1
  fi
  echo "Installing $1 from the distribution's packages ($3)"
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq && APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $3 >/dev/null
}

start_postgres() {
  if ls /etc/postgresql >/dev/null 2>&1; then
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
}

trust_local_postgres() {
  # A cluster installed here for the tests: let the postgres user in over 127.0.0.1 without a
  # password, as the test settings expect (local connections only).
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q "welfare-tests" "$hba"; then
    tmp="$(mktemp)"
    {
      echo "host all postgres 127.0.0.1/32 trust  # welfare-tests"
      echo "host all postgres ::1/128 trust  # welfare-tests"
      cat "$hba"
    } >"$tmp"
    $SUDO cp "$tmp" "$hba" && rm -f "$tmp"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
  fi
}

if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null && ! ls /etc/postgresql >/dev/null 2>&1; then
    apt_install PostgreSQL "PostgreSQL 15 or newer" "postgresql postgresql-client"
    start_postgres
    trust_local_postgres
  else
    echo "PostgreSQL is not answering on 127.0.0.1:5432: starting it"
    start_postgres
  fi
fi
if ! pg_up; then
  echo "ERROR: PostgreSQL is not running on 127.0.0.1:5432 and could not be started." >&2
  echo "       Start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  exit 1
fi

if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    apt_install Redis "Redis 6 or newer" "redis-server"
  fi
  echo "Redis is not answering on 127.0.0.1:6379: starting it"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
fi
if ! redis_up; then
  echo "ERROR: Redis is not running on 127.0.0.1:6379 and could not be started." >&2
  echo "       Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no" >&2
  exit 1
fi
echo "PostgreSQL and Redis are up."
