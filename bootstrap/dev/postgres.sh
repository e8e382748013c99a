#!/usr/bin/env bash
# Prints on stdout the DATABASE_URL to use for development, tests and benchmarks.
#
#   1. $DATABASE_URL, if set and non-empty;
#   2. the PostgreSQL answering on 127.0.0.1:5432, if any;
#   3. otherwise a project-local cluster under .data/pg (port 54329), created
#      and started on demand with the PostgreSQL server binaries found locally.
#
# Everything except the URL goes to stderr.
set -euo pipefail

readonly SYSTEM_PORT=5432
readonly LOCAL_PORT=54329
readonly DB_NAME=tenantcore

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# answers PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
answers() {
	timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

url_for() { printf 'postgres://postgres@127.0.0.1:%s/%s?sslmode=disable\n' "$1" "$DB_NAME"; }

# find_bindir prints the directory holding initdb and pg_ctl: PATH first,
# then /usr/lib/postgresql/*/bin, newest version first.
find_bindir() {
	local initdb pgctl dir
	initdb=$(command -v initdb 2>/dev/null || true)
	pgctl=$(command -v pg_ctl 2>/dev/null || true)
	if [[ -n $initdb && -n $pgctl && $(dirname "$initdb") == "$(dirname "$pgctl")" ]]; then
		dirname "$initdb"
		return 0
	fi
	while IFS= read -r dir; do
		if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
			printf '%s\n' "$dir"
			return 0
		fi
	done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r)
	return 1
}

if [[ -n ${DATABASE_URL:-} ]]; then
	printf '%s\n' "$DATABASE_URL"
	exit 0
fi

if answers "$SYSTEM_PORT"; then
	url_for "$SYSTEM_PORT"
	exit 0
fi

if ! bindir=$(find_bindir); then
	echo "PostgreSQL is not reachable at 127.0.0.1:$SYSTEM_PORT and no server binaries were found: install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL" >&2
	exit 1
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data="$root/.data"
pgdata="$data/pg"
sockdir="$data/pgsock"
logfile="$data/pg.log"

# initdb and pg_ctl refuse to run as root: run them as the postgres system user.
su_postgres() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
	id -u postgres >/dev/null 2>&1 ||
		die "running as root and there is no 'postgres' system user to run initdb/pg_ctl as: run as a normal user or set DATABASE_URL"
	if command -v runuser >/dev/null 2>&1; then
		as_owner=(runuser -u postgres --)
	else
		as_owner=(su_postgres)
	fi
fi
run() { "${as_owner[@]}" "$@"; }

mkdir -p "$data" "$sockdir"
touch "$logfile"
if [[ ${#as_owner[@]} -gt 0 ]]; then
	mkdir -p "$pgdata"
	chown postgres: "$pgdata" "$sockdir" "$logfile"
	chmod 0700 "$pgdata"
	run test -w "$pgdata" ||
		die "user postgres cannot write to $pgdata (a parent directory is not accessible to it): run as a normal user or set DATABASE_URL"
fi

if [[ ! -s $pgdata/PG_VERSION ]]; then
	log "creating a local PostgreSQL cluster in $pgdata ($bindir)"
	run "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 >>"$logfile" 2>&1 ||
		die "initdb failed, see $logfile"
fi

if ! run "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
	log "starting the local PostgreSQL on 127.0.0.1:$LOCAL_PORT (log: $logfile)"
	run "$bindir/pg_ctl" -D "$pgdata" -l "$logfile" -w -t 30 \
		-o "-p $LOCAL_PORT -c listen_addresses=127.0.0.1 -k '$sockdir'" start >&2 ||
		die "pg_ctl start failed, see $logfile"
fi

for _ in $(seq 1 60); do
	if answers "$LOCAL_PORT"; then
		url_for "$LOCAL_PORT"
		exit 0
	fi
	sleep 0.5
done
die "the local PostgreSQL does not answer on 127.0.0.1:$LOCAL_PORT, see $logfile"
