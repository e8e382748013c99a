#!/usr/bin/env bash
# Prints on stdout the URL of a Citus coordinator for development and tests (CITUS_URL):
#
#   1. $CITUS_URL, if set and non-empty;
#   2. otherwise a project-local cluster under .data/citus: a coordinator (port 54330) and two
#      workers (54331, 54332), created and started on demand with the local PostgreSQL server
#      binaries, provided the citus extension is installed for them.
#
# Exit status 3 means there is no Citus to run against (the reason is on stderr); any other
# failure is 1. Everything except the URL goes to stderr.
#
#   bootstrap/dev/citus.sh            start (if needed) and print the coordinator URL
#   bootstrap/dev/citus.sh available  exit 0 if there is a Citus to run against, else 3; starts nothing
#   bootstrap/dev/citus.sh stop       stop the local cluster
set -euo pipefail

readonly COORDINATOR_PORT=54330
readonly WORKER_PORTS=(54331 54332)
readonly DB_NAME=tenantcore

log() { printf 'citus.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
unavailable() { log "$*"; exit 3; }

answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

if [[ ${1:-} != stop && -n ${CITUS_URL:-} ]]; then
	[[ ${1:-} == available ]] || printf '%s\n' "$CITUS_URL"
	exit 0
fi

# The newest local PostgreSQL whose installation has the citus extension.
bindir=
for dir in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r); do
	version=$(basename "$(dirname "$dir")")
	if [[ -x $dir/initdb && -x $dir/pg_ctl && -f /usr/share/postgresql/$version/extension/citus.control ]]; then
		bindir=$dir
		break
	fi
done
[[ -n $bindir ]] ||
	unavailable "the citus extension is not installed for any local PostgreSQL (Citus's own packages provide it) and CITUS_URL is not set"
[[ ${1:-} != available ]] || exit 0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data="$root/.data/citus"
sockdir="$data/sock"
nodes=(coordinator worker1 worker2)
ports=("$COORDINATOR_PORT" "${WORKER_PORTS[@]}")

# initdb and pg_ctl refuse to run as root: run them as the postgres system user.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
	id -u postgres >/dev/null 2>&1 || die "running as root and there is no 'postgres' system user to run initdb/pg_ctl as"
	as_owner=(runuser -u postgres --)
fi
run() { "${as_owner[@]}" "$@"; }

if [[ ${1:-} == stop ]]; then
	for node in "${nodes[@]}"; do
		if [[ -s $data/$node/PG_VERSION ]] && run "$bindir/pg_ctl" -D "$data/$node" status >/dev/null 2>&1; then
			run "$bindir/pg_ctl" -D "$data/$node" -m fast -w stop >&2
		fi
	done
	exit 0
fi

mkdir -p "$data" "$sockdir"
[[ ${#as_owner[@]} -eq 0 ]] || chown postgres: "$data" "$sockdir"

for i in "${!nodes[@]}"; do
	node=${nodes[$i]} port=${ports[$i]} pgdata="$data/${nodes[$i]}" logfile="$data/${nodes[$i]}.log"
	touch "$logfile"
	[[ ${#as_owner[@]} -eq 0 ]] || chown postgres: "$logfile"
	if [[ ! -s $pgdata/PG_VERSION ]]; then
		log "creating the Citus $node in $pgdata ($bindir)"
		run "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 >"$logfile" 2>&1 ||
			die "initdb failed, see $logfile"
		# Two-phase commit (writes to reference tables) needs prepared transactions; the
		# coordinator opens several connections per worker for a multi-shard statement.
		cat >>"$pgdata/postgresql.conf" <<-EOF
			shared_preload_libraries = 'citus'
			listen_addresses = '127.0.0.1'
			port = $port
			unix_socket_directories = '$sockdir'
			max_connections = 300
			max_prepared_transactions = 300
			fsync = off
		EOF
	fi
	if ! run "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		log "starting the Citus $node on 127.0.0.1:$port (log: $logfile)"
		run "$bindir/pg_ctl" -D "$pgdata" -l "$logfile" -w -t 30 start >&2 || die "pg_ctl start failed, see $logfile"
	fi
	for _ in $(seq 1 60); do
		answers "$port" && break
		sleep 0.5
	done
	answers "$port" || die "the Citus $node does not answer on 127.0.0.1:$port, see $logfile"
done

psql_at() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -p "$1" -d "$2" -c "$3" >/dev/null; }

# Every node gets the database with the extension; the coordinator registers itself and the workers.
for port in "${ports[@]}"; do
	if [[ -z $("$bindir/psql" -X -At -h 127.0.0.1 -U postgres -p "$port" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ]]; then
		psql_at "$port" postgres "CREATE DATABASE $DB_NAME"
	fi
	psql_at "$port" "$DB_NAME" "CREATE EXTENSION IF NOT EXISTS citus"
done
psql_at "$COORDINATOR_PORT" "$DB_NAME" "SELECT citus_set_coordinator_host('127.0.0.1', $COORDINATOR_PORT)"
for port in "${WORKER_PORTS[@]}"; do
	psql_at "$COORDINATOR_PORT" "$DB_NAME" "SELECT citus_add_node('127.0.0.1', $port) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodeport = $port)"
done

printf 'postgres://postgres@127.0.0.1:%s/%s?sslmode=disable\n' "$COORDINATOR_PORT" "$DB_NAME"
