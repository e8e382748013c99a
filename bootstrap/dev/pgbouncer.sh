#!/usr/bin/env bash
# A private PgBouncer in transaction mode in front of the test server, configured as a stock
# installation would be (ignore_startup_parameters = extra_float_digits only).
#
#   pgbouncer.sh start   starts one on a free loopback port and prints its host:port; a port
#                        taken meanwhile is skipped, any other failure quotes pgbouncer's log
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

# candidate_ports prints the ports to try, one a line: PGBOUNCER_PORTS when set (tests), else 20
# random ports below the kernel's ephemeral range, which the tests' thousands of outgoing
# connections draw their local ports from.
candidate_ports() {
	if [[ -n ${PGBOUNCER_PORTS:-} ]]; then
		printf '%s\n' $PGBOUNCER_PORTS
		return
	fi
	local ephemeral=32768 first=15000
	read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	for _ in $(seq 1 20); do
		printf '%s\n' $((first + RANDOM % (ephemeral - first)))
	done
}

# write_config writes the configuration of an instance in dir listening on listen.
write_config() {
	local dir=$1 listen=$2 host=$3 port=$4
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
	chmod 644 "$dir/pgbouncer.ini"
}

# problems prints the warnings and errors of pgbouncer's log, on one line.
problems() { grep -E ' (WARNING|ERROR|FATAL) ' "$1/pgbouncer.log" 2>/dev/null | sed 's/^.* \(WARNING\|ERROR\|FATAL\) /\1 /' | paste -sd ';' -; }

start() {
	command -v pgbouncer >/dev/null 2>&1 || die "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
	local url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tenantcore}
	local hostport=${url#*://}
	hostport=${hostport#*@}
	hostport=${hostport%%/*}
	local host=${hostport%:*} port=${hostport##*:}
	[[ $hostport == *:* ]] || port=5432

	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/tenantcore-pgbouncer.XXXXXX")
	# Roles the tests log in as; trust, like the test server.
	printf '"postgres" ""\n"tenantcore_app" ""\n"tenantcore_serving" ""\n"tenantcore_worker" ""\n' >"$dir/users.txt"
	chmod 755 "$dir"
	chmod 644 "$dir/users.txt"
	local as=()
	if [[ $(id -u) -eq 0 ]]; then
		# PgBouncer refuses to run as root.
		chown nobody "$dir"
		as=(-u nobody)
	fi

	# Whether a port is free is known only once pgbouncer has bound it: a port can be taken
	# between any check and the bind (another run, an outgoing connection). So each candidate is
	# tried for real; pgbouncer's log says whether it listens or why it cannot.
	local listen pid taken=()
	for listen in $(candidate_ports); do
		if answers "$listen"; then
			taken+=("$listen")
			continue
		fi
		write_config "$dir" "$listen" "$host" "$port"
		rm -f "$dir/pgbouncer.log"
		# In the background rather than with -d: its exit is then visible, and nothing it prints
		# reaches this script's standard output, which carries only the address.
		setsid pgbouncer "${as[@]}" "$dir/pgbouncer.ini" >>"$dir/pgbouncer.out" 2>&1 </dev/null &
		pid=$!
		for _ in $(seq 1 100); do
			grep -q "listening on 127.0.0.1:$listen\$" "$dir/pgbouncer.log" 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if grep -q "listening on 127.0.0.1:$listen\$" "$dir/pgbouncer.log" 2>/dev/null && answers "$listen"; then
			printf '%s\n' "$dir" >"$STATE"
			log "transaction pooler on 127.0.0.1:$listen in front of $host:$port (config $dir/pgbouncer.ini)"
			printf '127.0.0.1:%s\n' "$listen"
			return 0
		fi
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if grep -q 'Address already in use' "$dir/pgbouncer.log" 2>/dev/null; then
			log "port $listen is taken ($(problems "$dir")); trying another"
			taken+=("$listen")
			continue
		fi
		local why
		why=$(problems "$dir")
		rm -rf "$dir"
		die "pgbouncer did not start on 127.0.0.1:$listen: ${why:-no warning or error in its log}"
	done
	rm -rf "$dir"
	die "pgbouncer found no free port: ${taken[*]} were all taken"
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
