#!/usr/bin/env bash
# Start trytond on 127.0.0.1:$CONCORD_TRYTON_PORT (default 8123) in the background, wait until JSON-RPC answers.
# Run setup.sh first. Does nothing when the server already answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
TRYTON_DIR=${CONCORD_TRYTON_DIR:-$PWD/var/tryton}
DB=${CONCORD_TRYTON_DB:-concord}
PORT=${CONCORD_TRYTON_PORT:-8123}
URL="http://127.0.0.1:$PORT/"

answers() {
  "$PY" - "$URL" "$DB" <<'PYEOF'
import json, sys, urllib.request
url, db = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url + "rpc/", data=json.dumps({"method": "common.server.version", "params": [], "id": 1}).encode(),
                             headers={"Content-Type": "application/json"})
try:
    json.load(urllib.request.urlopen(req, timeout=2))["result"]
except Exception:
    sys.exit(1)
PYEOF
}

bootstrap() { "$PY" scripts/tryton/bootstrap.py "$URL" "$DB" "$TRYTON_DIR/admin-password"; }

if answers; then echo "Tryton already answers on $URL"; bootstrap; exit 0; fi
nohup "$(dirname "$PY")/trytond" -c "$TRYTON_DIR/tryton.conf" -d "$DB" > "$TRYTON_DIR/trytond.log" 2>&1 &
echo $! > "$TRYTON_DIR/trytond.pid"
for _ in $(seq 1 60); do
  if answers; then echo "Tryton answers on $URL (pid $(cat "$TRYTON_DIR/trytond.pid"))"; bootstrap; exit 0; fi
  sleep 1
done
echo "Tryton did not answer on $URL within 60 s"; tail -20 "$TRYTON_DIR/trytond.log"; exit 1
