#!/usr/bin/env bash
# Starts the services the tests and the benchmark use when they are down: PostgreSQL
# (127.0.0.1:5432), MariaDB (127.0.0.1:3306) and Redis (127.0.0.1:6379), then waits up to 30 s
# for them to answer.
#
#   bash .ci/services.sh postgres redis      # start/check only these; exit 1 if one never answers
#   source .ci/services.sh; ensure_services postgres mariadb redis   # from another script (.ci/run)

services_log() { printf '\n== %s\n' "$*" >&2; }

service_answers() {
  case "$1" in
    postgres) pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null ;;
    mariadb) mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 ;;
    redis) redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 ;;
    *) echo "services.sh: unknown service '$1' (postgres, mariadb, redis)" >&2; return 2 ;;
  esac
}

start_service() {
  case "$1" in
    postgres)
      services_log "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
      ;;
    mariadb)
      services_log "starting MariaDB"
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
      ;;
    redis)
      services_log "starting Redis"
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
      ;;
  esac
}

# ensure_services NAME...: starts each named service that is down, then waits up to 30 s for all
# of them. Returns 1 (with a message saying which) if one never answers.
ensure_services() {
  local service
  for service in "$@"; do
    service_answers "$service" || { [ $? -eq 2 ] && return 2; start_service "$service"; }
  done
  for _ in $(seq 1 30); do
    local all=1
    for service in "$@"; do service_answers "$service" || all=0; done
    [ "$all" = 1 ] && return 0
    sleep 1
  done
  for service in "$@"; do
    service_answers "$service" || echo "services.sh: $service does not answer on 127.0.0.1 after 30 s" >&2
  done
  return 1
}

# Run as a script (not sourced): ensure the services named on the command line.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  [ $# -gt 0 ] || set -- postgres mariadb redis
  ensure_services "$@"
  exit $?
fi
