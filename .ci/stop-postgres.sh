#!/usr/bin/env bash
# Stops a PostgreSQL started by .ci/start-postgres.sh and removes its folder.
set -euo pipefail
dir="$1"
[ -d "$dir/data" ] || exit 0
bindir="$(pg_config --bindir 2>/dev/null || true)"
[ -x "$bindir/pg_ctl" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
if [ "$(id -u)" = 0 ]; then
  su postgres -s /bin/bash -c "'$bindir/pg_ctl' -D '$dir/data' -m fast -w stop" >/dev/null || true
else
  "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
fi
rm -rf "$dir"
