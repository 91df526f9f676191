#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's server binaries) in a temp folder on 127.0.0.1, as the postgres
# user, with a database `cobrand_test` that the `cobrand` role owns; prints its URL on stdout and its folder on stderr.
# `.ci/stop-postgres.sh FOLDER` stops it and removes the folder. No system service is used.
set -euo pipefail
bindir="$(pg_config --bindir 2>/dev/null || true)"
[ -x "$bindir/initdb" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
port="${COBRAND_PG_PORT:-55432}"
dir="$(mktemp -d /tmp/cobrand-pg.XXXXXX)"
chmod 755 "$dir"
run() { if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
run "'$bindir/initdb' -D '$dir/data' -A trust -U cobrand --no-sync -E UTF8 --locale=C.UTF-8" >"$dir/initdb.log"
run "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off\" start" >/dev/null
run "'$bindir/createdb' -h 127.0.0.1 -p $port -U cobrand cobrand_test"
echo "$dir" >&2
echo "postgres://cobrand@127.0.0.1:$port/cobrand_test?sslmode=disable"
