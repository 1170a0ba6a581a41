#!/usr/bin/env bash
# Starts the services the tests and the benchmark use when they are down: PostgreSQL
# (127.0.0.1:5432), MariaDB (127.0.0.1:3306) and Redis (127.0.0.1:6379), then waits up to 30 s
# for them to answer. On request, PgBouncer (127.0.0.1:6432, transaction pooling in front of that
# PostgreSQL; installed from Debian's packages when missing), for the suites run through it, and a
# Redis Cluster (`redis-cluster`: three primaries on 127.0.0.1:7001-7003).
#
#   bash .ci/services.sh postgres redis      # start/check only these; exit 1 if one never answers
#   source .ci/services.sh; ensure_services postgres mariadb redis   # from another script (.ci/run)

services_log() { printf '\n== %s\n' "$*" >&2; }

service_answers() {
  case "$1" in
    # pg_isready exits 2 when nothing answers: folded into 1, since 2 here means an unknown name.
    postgres) pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || return 1 ;;
    mariadb) mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 ;;
    redis) redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 ;;
    pgbouncer) pg_isready -h 127.0.0.1 -p 6432 -q 2>/dev/null || return 1 ;;
    redis-cluster) redis-cli -p 7001 cluster info 2>/dev/null | grep -q '^cluster_state:ok' ;;
    *) echo "services.sh: unknown service '$1' (postgres, mariadb, redis, pgbouncer, redis-cluster)" >&2; return 2 ;;
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
    pgbouncer) start_pgbouncer || true ;;
    redis-cluster) start_redis_cluster || true ;;
  esac
}

# PgBouncer as production apps often run it: transaction pooling, a small server pool (so that a
# client's statements land on other server connections), any user logging in as postgres (the
# local PostgreSQL trusts it). It refuses to run as root: it runs as postgres.
PGBOUNCER_DIR=/tmp/qsessions-pgbouncer
start_pgbouncer() {
  services_log "starting PgBouncer (transaction pooling, 127.0.0.1:6432)"
  if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null 2>&1 \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer; } || return 1
  fi
  mkdir -p "$PGBOUNCER_DIR"
  cat >"$PGBOUNCER_DIR/pgbouncer.ini" <<'INI'
[databases]
* = host=127.0.0.1 port=5432 user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
unix_socket_dir =
auth_type = any
admin_users = postgres
pool_mode = transaction
default_pool_size = 4
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options
logfile = /tmp/qsessions-pgbouncer/pgbouncer.log
pidfile = /tmp/qsessions-pgbouncer/pgbouncer.pid
INI
  chown -R postgres "$PGBOUNCER_DIR"
  /usr/sbin/pgbouncer -d -u postgres "$PGBOUNCER_DIR/pgbouncer.ini"
}

# A Redis Cluster of three primaries (no replicas) on 127.0.0.1:7001-7003, each slot range on one,
# keeping nothing on disk but the nodes' cluster state (in /tmp/qsessions-redis-cluster).
REDIS_CLUSTER_DIR=/tmp/qsessions-redis-cluster
start_redis_cluster() {
  services_log "starting a Redis Cluster (127.0.0.1:7001-7003)"
  local port
  for port in 7001 7002 7003; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$REDIS_CLUSTER_DIR/$port" && mkdir -p "$REDIS_CLUSTER_DIR/$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
      --cluster-config-file "$REDIS_CLUSTER_DIR/$port/nodes.conf" --dir "$REDIS_CLUSTER_DIR/$port" \
      --save "" --appendonly no --logfile "$REDIS_CLUSTER_DIR/$port/redis.log" || return 1
  done
  for _ in $(seq 1 50); do redis-cli -p 7003 ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli --cluster create 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 --cluster-replicas 0 --cluster-yes \
    >"$REDIS_CLUSTER_DIR/create.log" 2>&1 || { cat "$REDIS_CLUSTER_DIR/create.log" >&2; return 1; }
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
