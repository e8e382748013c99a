#!/usr/bin/env bash
# A private PgBouncer in transaction mode in front of the test server, configured as a stock
# installation would be (ignore_startup_parameters = extra_float_digits only).
#
#   pgbouncer.sh start   starts one on a free loopback port and prints its host:port
#   pgbouncer.sh stop    stops the one started from this directory
#
# Any database name falls through to the server of DATABASE_URL (default 127.0.0.1:5432), so each
# test's own database is reachable through it. Everything except the address goes to stderr.
set -euo pipefail

# PGBOUNCER_STATE names the file that remembers, between start and stop, which instance to stop.
readonly STATE=${PGBOUNCER_STATE:-${TMPDIR:-/tmp}/tenantcore-pgbouncer.state}

log() { printf 'pgbouncer.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

start() {
	command -v pgbouncer >/dev/null 2>&1 || die "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
	local url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tenantcore}
	local hostport=${url#*://}
	hostport=${hostport#*@}
	hostport=${hostport%%/*}
	local host=${hostport%:*} port=${hostport##*:}
	[[ $hostport == *:* ]] || port=5432

	local dir listen
	dir=$(mktemp -d "${TMPDIR:-/tmp}/tenantcore-pgbouncer.XXXXXX")
	for _ in $(seq 1 50); do
		listen=$((20000 + RANDOM % 20000))
		answers "$listen" || break
	done
	# Roles the tests log in as; trust, like the test server.
	printf '"postgres" ""\n"tenantcore_app" ""\n"tenantcore_serving" ""\n' >"$dir/users.txt"
	cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $listen
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
ignore_startup_parameters = extra_float_digits
max_client_conn = 2000
default_pool_size = 40
max_db_connections = 80
server_reset_query =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
	chmod 755 "$dir"
	chmod 644 "$dir"/*
	local as=()
	if [[ $(id -u) -eq 0 ]]; then
		# PgBouncer refuses to run as root.
		chown nobody "$dir"
		as=(-u nobody)
	fi
	pgbouncer -d "${as[@]}" "$dir/pgbouncer.ini" >&2 || die "pgbouncer did not start: $(tail -n 5 "$dir/pgbouncer.log" 2>/dev/null)"
	for _ in $(seq 1 50); do
		answers "$listen" && break
		sleep 0.1
	done
	answers "$listen" || die "pgbouncer does not answer on 127.0.0.1:$listen"
	printf '%s\n' "$dir" >"$STATE"
	log "transaction pooler on 127.0.0.1:$listen in front of $host:$port (config $dir/pgbouncer.ini)"
	printf '127.0.0.1:%s\n' "$listen"
}

stop() {
	[[ -f $STATE ]] || return 0
	local dir pid
	dir=$(cat "$STATE")
	rm -f "$STATE"
	pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
	[[ -n $pid ]] && kill "$pid" 2>/dev/null || true
	rm -rf "$dir"
}

case ${1:-} in
start) start ;;
stop) stop ;;
*) die "usage: pgbouncer.sh start|stop" ;;
esac
