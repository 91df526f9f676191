#!/usr/bin/env bash
# The MDF audit log against a real edit: allocate in a fresh project, change one audit row with the sqlite3
# CLI, and expect `cobrand mdf audit verify` to fail and name that row.
#
#   .ci/check-audit.sh path/to/cobrand        (needs Debian's sqlite3)
set -euo pipefail
cobrand="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$cobrand" init "$work/p" >/dev/null
for period in 2026-Q3 2026-Q4; do
  "$cobrand" mdf allocate --project "$work/p" --partner first-partner --period "$period" --amount 5000 --currency EUR >/dev/null
done
"$cobrand" mdf audit verify --project "$work/p" | grep -q "audit log intact: 2 row(s)" || { echo "check-audit: verify failed on an intact log"; exit 1; }
sqlite3 "$work/p/cobrand.sqlite" "UPDATE mdfAudit SET detail = replace(detail, '5000.00', '50000.00') WHERE id = 1"
if out="$("$cobrand" mdf audit verify --project "$work/p" 2>&1)"; then
  echo "check-audit: verify passed after an edit"; exit 1
fi
echo "$out" | grep -q "audit row 1 fails" || { echo "check-audit: the message does not name row 1: $out"; exit 1; }
echo "check-audit: an edited audit row is detected and named"
