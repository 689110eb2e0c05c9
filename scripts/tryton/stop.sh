#!/usr/bin/env bash
# Stop the trytond started by start.sh (by its recorded pid).
set -euo pipefail
cd "$(dirname "$0")/../.."
PIDFILE=${CONCORD_TRYTON_DIR:-$PWD/var/tryton}/trytond.pid
[ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
rm -f "$PIDFILE"
