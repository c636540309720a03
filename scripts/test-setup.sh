#!/usr/bin/env bash
# What `make test` needs besides the packages: PostgreSQL and Redis on loopback (started when installed but
# down) and Debian's chromium for the web app's end-to-end run (installed when missing). Idempotent.
set -euo pipefail

missing() {
  echo "make test: $1" >&2
  exit 1
}

wait_for() {  # wait_for NAME COMMAND...: up to 30 s
  local name=$1
  shift
  for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  missing "$name did not come up within 30 s"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

# CI's service containers are reached through ESPELHO_TEST_PG_URL / ESPELHO_TEST_REDIS: nothing to start.
if [ -z "${ESPELHO_TEST_PG_URL:-}" ] && ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] ||
    missing "PostgreSQL is not running on 127.0.0.1:5432 and is not installed (Debian: apt-get install postgresql)"
  echo "PostgreSQL is down; starting it"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start ||
    missing "could not start PostgreSQL; start it yourself on 127.0.0.1:5432 (trust auth for 'postgres')"
  wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432
fi

if [ -z "${ESPELHO_TEST_REDIS:-}" ] && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null 2>&1 ||
    missing "Redis is not running on 127.0.0.1:6379 and is not installed (Debian: apt-get install redis-server)"
  echo "Redis is down; starting it"
  dir=${TMPDIR:-/tmp}/espelho-test-redis
  mkdir -p "$dir"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log"
  wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi

# The end-to-end run drives Debian's chromium; a browser download of its own is never used.
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the end-to-end tests"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null; } ||
    missing "Debian's chromium is missing and could not be installed (apt-get install chromium)"
fi
