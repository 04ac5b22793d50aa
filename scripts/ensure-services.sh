#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on loopback, installing and starting them if needed,
# and that the database role and database procure uses exist. Safe to run any number of times.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
DB_NAME=${PROCURE_DB_NAME:-procure}
DB_USER=${PROCURE_DB_USER:-procure}
DB_PASSWORD=${PROCURE_DB_PASSWORD:-procure}

say() { printf '[services] %s\n' "$*"; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    say "need to install $* but not running as root: install it yourself (apt-get install $*)"
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # port, name
  for _ in $(seq 1 60); do
    listening "$1" && return 0
    sleep 0.5
  done
  say "$2 did not start listening on 127.0.0.1:$1"
  exit 1
}

ensure_postgres() {
  if listening "$PG_PORT"; then
    say "PostgreSQL is up on 127.0.0.1:$PG_PORT"
  else
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      apt_install postgresql postgresql-contrib
    fi
    for cluster in /etc/postgresql/*/main; do
      version=$(basename "$(dirname "$cluster")")
      say "starting PostgreSQL $version"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    wait_for "$PG_PORT" PostgreSQL
  fi
  local sql
  sql="DO \$\$ BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
           CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
         END IF;
       END \$\$;"
  local create_db="SELECT 'CREATE DATABASE $DB_NAME OWNER $DB_USER'
                   WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME')\\gexec"
  # Trust auth on loopback (CI, these machines) or peer auth as the postgres user (a fresh
  # Debian install): whichever works.
  if psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -c "$sql"
    echo "$create_db" | psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1
  else
    runuser -u postgres -- psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 -c "$sql"
    echo "$create_db" | runuser -u postgres -- psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1
  fi
  say "database '$DB_NAME' and role '$DB_USER' are ready"
}

ensure_redis() {
  if listening "$REDIS_PORT"; then
    say "Redis is up on 127.0.0.1:$REDIS_PORT"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/procure.log
  wait_for "$REDIS_PORT" Redis
}

ensure_tools() {  # command-line tools the tests and the demo use
  local missing=()
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  command -v curl >/dev/null || missing+=(curl)  # the README's API example (a test runs it)
  command -v jq >/dev/null || missing+=(jq)
  # Browser tests drive Debian's chromium through Playwright (never `playwright install`).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

ensure_postgres
ensure_redis
ensure_tools
