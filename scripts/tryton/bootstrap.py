"""Give a fresh Tryton database what sales and projects need: a currency (EUR), a company, and the
admin user working in it. Idempotent; run by start.sh once the server answers.

    python scripts/tryton/bootstrap.py <url> <database> <password file>
"""

import base64
import json
import sys
import urllib.request


def main(url: str, database: str, password_file: str) -> None:
    endpoint = f"{url.rstrip('/')}/{database}/rpc/"
    auth = None

    def call(method, *params):
        headers = {"Content-Type": "application/json", **({"Authorization": auth} if auth else {})}
        body = json.dumps({"method": method, "params": list(params), "id": 1}).encode()
        answer = json.load(urllib.request.urlopen(urllib.request.Request(endpoint, body, headers), timeout=30))
        if answer.get("error"):
            raise SystemExit(f"{method}: {answer['error']}")
        return answer["result"]

    password = open(password_file).read().strip()
    user_id, session, *_ = call("common.db.login", "admin", {"password": password}, "en")
    auth = "Session " + base64.b64encode(f"admin:{user_id}:{session}".encode()).decode()
    context = call("model.res.user.get_preferences", True, {})
    currencies = call("model.currency.currency.search_read", [("code", "=", "EUR")], 0, 1, None, ["id"], context)
    currency = currencies[0]["id"] if currencies else call("model.currency.currency.create", [{
        "name": "Euro", "code": "EUR", "symbol": "€", "digits": 2,
        "rounding": {"__class__": "Decimal", "decimal": "0.01"}}], context)[0]
    companies = call("model.company.company.search_read", [], 0, 1, None, ["id"], context)
    if companies:
        company = companies[0]["id"]
    else:
        (party,) = call("model.party.party.create", [{"name": "Concord Test Company"}], context)
        (company,) = call("model.company.company.create", [{"party": party, "currency": currency}], context)
    call("model.res.user.write", [user_id], {"companies": [["add", [company]]], "company": company}, context)
    print(f"Tryton company {company} with currency EUR ready")


if __name__ == "__main__":
    main(*sys.argv[1:4])
