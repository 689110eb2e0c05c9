"""A BambooHR simulator: the REST shape of BambooHR's API v1 for the parts Concord reads.

    GET /api/gateway.php/{company}/v1/employees/directory            the directory (active people)
    GET /api/gateway.php/{company}/v1/employees/changed?since=ISO    ids changed after `since`, and `latest`
    GET /api/gateway.php/{company}/v1/employees/{id}?fields=a,b      one employee's fields

HTTP basic auth with the API key as the user name and any password (BambooHR's rule); JSON only
when asked for with `Accept: application/json` (406 otherwise: BambooHR would answer XML). Seeded
people carry the same work emails the demo's Tryton employees do (first.last@concord.example).
`hire`, `update` and `terminate` change the store as HR would, each stamping `lastChanged`.
"""

from __future__ import annotations

import base64
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.simulators.base import Clock, Request, Response, SimulatorServer, parse_datetime

FIRST = ("Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Luca",
         "Maya", "Nils", "Olga", "Pablo", "Rosa", "Sven", "Tara", "Umar")
LAST = ("Lovelace", "Keller", "Rossi", "Ivanov", "Garcia", "Haddad", "Berg", "Moreau", "Silva", "Weber", "Tanaka",
        "Conti", "Patel", "Larsen", "Novak", "Ruiz", "Costa", "Olsen", "Singh", "Khan")
TEAMS = (("Data Engineering", "Data & AI"), ("Cloud Platform", "Cloud"), ("ERP Delivery", "Business Apps"),
         ("Analytics", "Data & AI"))
ROLES = ("Consultant", "Senior Consultant", "Manager", "Architect")
ENTITIES = ("Concord Consulting GmbH", "Concord Consulting Inc.")
_PATH = re.compile(r"^/api/gateway\.php/(?P<company>[\w-]+)/v1/employees/(?P<rest>[\w]+)/?$")


def _iso(stamp: datetime) -> str:
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class BambooHRSimulator(SimulatorServer):
    name = "bamboohr"

    def __init__(self, *, seed: int = 1, records: int = 20, faults: str = "", verbose: bool = False,
                 company: str = "concord", api_key: str = "bamboo-demo-key"):
        super().__init__(seed=seed, records=records, faults=faults, verbose=verbose)
        self.company, self.api_key = company, api_key
        self.credentials = {"company": company, "token": api_key}
        self.clock = Clock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
        self.store: dict[str, dict[str, dict[str, Any]]] = {"employees": {}}
        rng = random.Random(seed)
        for n in range(min(records, len(FIRST) * len(LAST))):
            first, last = FIRST[n % len(FIRST)], LAST[(n + n // len(FIRST)) % len(LAST)]
            team, line = TEAMS[n % len(TEAMS)]
            self.hire(firstName=first, lastName=last, department=team, division=line, jobTitle=rng.choice(ROLES),
                      customLegalEntity=ENTITIES[n % 2], hireDate=(date(2020, 1, 6) + timedelta(days=37 * n)).isoformat(),
                      payRate=f"{rng.randrange(45, 95)}.00 EUR", payPer="Hour",
                      customBillRate=f"{rng.randrange(120, 220)}.00", customWeeklyHours="40")

    # -- what HR does ---------------------------------------------------------------------
    def hire(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            employee_id = str(len(self.store["employees"]) + 101)
            first, last = fields.get("firstName", ""), fields.get("lastName", "")
            row = {"id": employee_id, "employeeNumber": f"E{employee_id}", "displayName": f"{first} {last}".strip(),
                   "workEmail": f"{first}.{last}@concord.example".lower(), "status": "Active",
                   "employmentHistoryStatus": "Full-Time", "terminationDate": "0000-00-00", **fields}
            row["lastChanged"] = _iso(self.clock.tick())
            self.store["employees"][employee_id] = row
            return dict(row)

    def update(self, employee_id: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            row = self.store["employees"][str(employee_id)]
            row.update(fields, lastChanged=_iso(self.clock.tick()))
            return dict(row)

    def terminate(self, employee_id: str, last_day: date) -> dict[str, Any]:
        """The person leaves: status Inactive, the termination date their last day."""
        return self.update(employee_id, status="Inactive", terminationDate=last_day.isoformat())

    def find(self, email: str) -> dict[str, Any] | None:
        return next((dict(r) for r in self.store["employees"].values() if r["workEmail"] == email.lower()), None)

    # -- the API --------------------------------------------------------------------------
    def error(self, status: int, code: str, message: str, retry_after: float | None = None) -> Response:
        headers = {"X-BambooHR-Error-Message": message}
        if retry_after is not None:
            headers["Retry-After"] = str(int(retry_after))
        return Response(status, {"error": code, "message": message}, headers)

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, _password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.api_key

    def route(self, request: Request) -> Response:
        match = _PATH.match(request.path)
        if request.method != "GET" or not match:
            return self.error(404, "not_found", f"no route {request.method} {request.path}")
        if match["company"] != self.company:
            return self.error(404, "not_found", f"no company {match['company']}")
        if not self._authorized(request):
            return self.error(401, "unauthorized", "send the API key as the basic-auth user name")
        if "application/json" not in (request.headers.get("Accept") or ""):
            return self.error(406, "not_acceptable", "this simulator answers JSON only (Accept: application/json)")
        rest = match["rest"]
        if rest == "directory":
            return self._directory()
        if rest == "changed":
            return self._changed(request.query.get("since", ""))
        return self._employee(rest, request.query.get("fields", ""))

    def _directory(self) -> Response:
        names = ("id", "displayName", "firstName", "lastName", "workEmail", "jobTitle", "department", "division")
        with self.lock:
            rows = [{k: r.get(k) for k in names} for r in self.store["employees"].values() if r["status"] == "Active"]
        return Response(200, {"fields": [{"id": k} for k in names], "employees": rows})

    def _changed(self, since_text: str) -> Response:
        since = parse_datetime(since_text)
        if since is None:
            return self.error(400, "bad_request", "since must be an ISO 8601 date and time")
        with self.lock:
            latest = _iso(self.clock.tick())
            changed = {r["id"]: {"id": r["id"], "action": "Updated", "lastChanged": r["lastChanged"]}
                       for r in self.store["employees"].values() if parse_datetime(r["lastChanged"]) > since}
        return Response(200, {"latest": latest, "employees": changed})

    def _employee(self, employee_id: str, fields: str) -> Response:
        with self.lock:
            row = self.store["employees"].get(employee_id)
            row = dict(row) if row else None
        if row is None:
            return self.error(404, "not_found", f"no employee {employee_id}")
        wanted = [f for f in fields.split(",") if f] or ["firstName", "lastName"]
        return Response(200, {"id": employee_id, **{name: row.get(name) for name in wanted}})
