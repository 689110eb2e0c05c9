#!/usr/bin/env bash
# Install Tryton into the project's venv (if missing) and create its SQLite database under var/tryton/.
# Idempotent: a second run with everything in place does nothing. Kept out of requirements*.txt on purpose:
# Tryton is a test/demo peer system, not a dependency of the hub.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
TRYTON_DIR=${CONCORD_TRYTON_DIR:-$PWD/var/tryton}
DB=${CONCORD_TRYTON_DB:-concord}
PORT=${CONCORD_TRYTON_PORT:-8123}
mkdir -p "$TRYTON_DIR"

if ! "$PY" -c "import trytond.modules.sale, trytond.modules.project, trytond.modules.timesheet_cost, proteus" 2>/dev/null; then
  echo "installing Tryton into $("$PY" -c 'import sys; print(sys.prefix)')"
  "$PY" -m pip install -q trytond trytond-party trytond-company trytond-currency trytond-sale \
    trytond-project trytond-account-invoice trytond-timesheet trytond-timesheet-cost trytond-company-work-time proteus
fi

[ -f "$TRYTON_DIR/admin-password" ] || { "$PY" -c "import secrets; print(secrets.token_hex(12))" > "$TRYTON_DIR/admin-password"; }
chmod 600 "$TRYTON_DIR/admin-password"
cat > "$TRYTON_DIR/tryton.conf" <<CONF
[database]
uri = sqlite://
path = $TRYTON_DIR
[web]
listen = 127.0.0.1:$PORT
CONF

if [ ! -s "$TRYTON_DIR/$DB.sqlite" ] || [ ! -f "$TRYTON_DIR/$DB.ready" ]; then
  echo "creating Tryton database $DB (about 30 s)"
  rm -f "$TRYTON_DIR/$DB.sqlite"
  touch "$TRYTON_DIR/$DB.sqlite"
  TRYTONPASSFILE="$TRYTON_DIR/admin-password" "$(dirname "$PY")/trytond-admin" -c "$TRYTON_DIR/tryton.conf" \
    -d "$DB" --all --email admin@example.com -u ir res country currency party company product account account_product stock account_invoice \
    account_invoice_stock sale timesheet timesheet_cost company_work_time project \
    > "$TRYTON_DIR/setup.log" 2>&1 || { tail -30 "$TRYTON_DIR/setup.log"; exit 1; }
  touch "$TRYTON_DIR/$DB.ready"
fi
# A database made before the timesheet modules were in the list gets them activated once.
if ! "$PY" - "$TRYTON_DIR/$DB.sqlite" <<'PYEOF'
import sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT 1 FROM ir_module WHERE name = 'timesheet_cost' AND state = 'activated'").fetchone()
sys.exit(0 if row else 1)
PYEOF
then
  echo "activating timesheet_cost in Tryton database $DB"
  "$(dirname "$PY")/trytond-admin" -c "$TRYTON_DIR/tryton.conf" -d "$DB" -u timesheet_cost >> "$TRYTON_DIR/setup.log" 2>&1 \
    || { tail -30 "$TRYTON_DIR/setup.log"; exit 1; }
fi
echo "Tryton database $DB ready in $TRYTON_DIR"
