"""The Business Central simulator speaks API v2.0 as a client meets it: Entra ID tokens, OData
queries with server-driven paging, ETags on writes, throttling, and the webhook handshake."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.dynamics.simulator import SCOPE, DynamicsSimulator
from connectors.dynamics.simulator_odata import ODataError, filter_compile


def token(sim, **overrides):
    form = {"grant_type": "client_credentials", "client_id": sim.credentials["client_id"],
            "client_secret": sim.credentials["client_secret"], "scope": SCOPE, **overrides}
    return requests.post(sim.credentials["token_url"], data=form, timeout=5)


@pytest.fixture
def api(bc_sim):
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + token(bc_sim).json()["access_token"]
    base = f"{bc_sim.base_url}/v2.0/{bc_sim.tenant}/{bc_sim.environment}/api/v2.0"
    session.company = f"{base}/companies({bc_sim.company_id})"
    session.base = base
    return session


def test_client_credentials_give_a_bearer_token_and_a_wrong_secret_none(bc_sim):
    answer = token(bc_sim).json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 3599
    refused = token(bc_sim, client_secret="wrong")
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert token(bc_sim, scope="https://graph.microsoft.com/.default").json()["error"] == "invalid_scope"
    anonymous = requests.get(f"{bc_sim.base_url}/v2.0/{bc_sim.tenant}/{bc_sim.environment}/api/v2.0/companies")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "Authentication_InvalidCredentials"


def test_companies_and_entities_carry_etags_and_the_documented_fields(api, bc_sim):
    (company,) = api.get(f"{api.base}/companies").json()["value"]
    assert company["id"] == bc_sim.company_id and company["name"] == "Concord Consulting Inc."
    customer = api.get(f"{api.company}/customers").json()["value"][0]
    assert customer["@odata.etag"].startswith('W/"')
    assert {"number", "displayName", "taxRegistrationNumber", "blocked", "lastModifiedDateTime"} <= set(customer)
    assert customer["country"] == "US"  # the US legal entity's customers
    entry = api.get(f"{api.company}/timeRegistrationEntries").json()["value"][0]
    assert "lastModfiedDateTime" in entry  # spelled as the real page spells it


def test_filter_select_top_and_paging_by_next_link(api, bc_sim):
    everything = sorted(r["lastModifiedDateTime"] for r in bc_sim.store["customers"].values())
    middle = everything[len(everything) // 2]
    params = {"$filter": f"lastModifiedDateTime gt {middle}", "$select": "number,lastModifiedDateTime",
              "$orderby": "lastModifiedDateTime"}
    seen, url, pages = [], f"{api.company}/customers", 0
    response = api.get(url, params=params, headers={"Prefer": "odata.maxpagesize=2"})
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=2"
    while True:
        body = response.json()
        pages += 1
        assert len(body["value"]) <= 2
        seen.extend(body["value"])
        if "@odata.nextLink" not in body:
            break
        assert "$skiptoken=" in body["@odata.nextLink"] or "%24skiptoken=" in body["@odata.nextLink"]
        response = api.get(body["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"})
    assert [r["lastModifiedDateTime"] for r in seen] == [t for t in everything if t > middle]
    assert pages > 1 and set(seen[0]) == {"@odata.etag", "id", "number", "lastModifiedDateTime"}
    top = api.get(f"{api.company}/customers", params={"$top": "3"}, headers={"Prefer": "odata.maxpagesize=2"})
    rest = api.get(top.json()["@odata.nextLink"]).json()
    assert len(top.json()["value"]) == 2 and len(rest["value"]) == 1 and "@odata.nextLink" not in rest


def test_a_row_changed_while_paging_moves_behind_the_bookmark_and_no_unread_row_is_skipped(api, bc_sim):
    params = {"$orderby": "lastModifiedDateTime,id", "$select": "id"}
    first = api.get(f"{api.company}/customers", params=params, headers={"Prefer": "odata.maxpagesize=3"}).json()
    bc_sim.update("customers", first["value"][0]["id"], displayName="Changed Meanwhile Inc.")
    ids = [r["id"] for r in first["value"]]
    url = first["@odata.nextLink"]
    while url:
        body = api.get(url, headers={"Prefer": "odata.maxpagesize=3"}).json()
        ids.extend(r["id"] for r in body["value"])
        url = body.get("@odata.nextLink")
    assert set(bc_sim.store["customers"]) <= set(ids)
    assert ids.count(first["value"][0]["id"]) == 2  # read again, at its new place


def test_a_filter_on_an_unknown_property_or_bad_syntax_is_a_400(api):
    unknown = api.get(f"{api.company}/customers", params={"$filter": "colour eq 'red'"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]["message"]
    assert api.get(f"{api.company}/customers", params={"$filter": "number eq"}).status_code == 400


def test_odata_filters_compose():
    rows = [{"n": "C1", "t": "2026-01-02T00:00:00.000Z", "b": " "}, {"n": "C2", "t": "2026-01-03T00:00:00.000Z",
                                                                     "b": "All"}]
    keep = filter_compile("t gt 2026-01-02T00:00:00Z or (t eq 2026-01-02T00:00:00Z and n gt 'C0')",
                          properties={"n", "t", "b"})
    assert [r["n"] for r in rows if keep(r)] == ["C1", "C2"]
    assert [r["n"] for r in rows if filter_compile("not (b eq ' ') and startswith(n, 'c')",
                                                   properties={"n", "b"})(r)] == ["C2"]
    with pytest.raises(ODataError):
        filter_compile("n eq 'x' and", properties={"n"})


def test_patch_needs_the_current_etag(api, bc_sim):
    customer = api.get(f"{api.company}/customers").json()["value"][0]
    url = f"{api.company}/customers({customer['id']})"
    missing = api.patch(url, json={"displayName": "No Tag Inc."})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "BadRequest_InvalidToken"
    done = api.patch(url, json={"displayName": "Tagged Inc."}, headers={"If-Match": customer["@odata.etag"]})
    assert done.status_code == 200 and done.json()["@odata.etag"] != customer["@odata.etag"]
    stale = api.patch(url, json={"displayName": "Stale Inc."}, headers={"If-Match": customer["@odata.etag"]})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "Request_EntityChanged"
    assert bc_sim.store["customers"][customer["id"]]["displayName"] == "Tagged Inc."
    read_only = api.patch(url, json={"balanceDue": 1}, headers={"If-Match": "*"})
    assert read_only.status_code == 400


def test_a_sales_order_total_comes_from_its_lines(api, bc_sim):
    customer = next(iter(bc_sim.store["customers"].values()))
    created = api.post(f"{api.company}/salesOrders", json={
        "customerNumber": customer["number"], "externalDocumentNumber": "CON-1",
        "salesOrderLines": [{"lineType": "Comment", "description": "Programme", "quantity": 2, "unitPrice": 1500}]})
    assert created.status_code == 201
    order = created.json()
    assert order["customerId"] == customer["id"] and order["totalAmountExcludingTax"] == 3000
    unknown = api.post(f"{api.company}/salesOrders", json={"customerNumber": "NOPE"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "Application_DialogException"


def test_throttling_answers_429_with_retry_after_and_5xx_are_injected(api, bc_sim):
    bc_sim.fail_next(429, retry_after=7)
    throttled = api.get(f"{api.company}/customers")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["error"]["code"] == "Application_TooManyRequests"
    bc_sim.set_faults("503:1")
    assert api.get(f"{api.company}/customers").status_code == 503
    bc_sim.set_faults("")
    assert api.get(f"{api.company}/customers").status_code == 200


class _Receiver(BaseHTTPRequestHandler):
    """A notification URL: answers the handshake as told, keeps what it is sent."""

    echo = True
    received: list = []

    def do_POST(self):
        token = parse_qs(urlsplit(self.path).query).get("validationToken")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if token:
            reply = (token[0] if self.echo else "nope").encode()
        else:
            type(self).received.append(body)
            reply = b""
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    handler = type("Receiver", (_Receiver,), {"received": [], "echo": True})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_subscription_needs_the_handshake_then_notifies_changes(api, bc_sim, receiver):
    import json

    handler, url = receiver
    resource = f"/api/v2.0/companies({bc_sim.company_id})/customers"
    handler.echo = False
    refused = api.post(f"{api.base}/subscriptions", json={"notificationUrl": url, "resource": resource,
                                                          "clientState": "s3cret"})
    assert refused.status_code == 400 and not bc_sim.subscriptions
    handler.echo = True
    created = api.post(f"{api.base}/subscriptions", json={"notificationUrl": url, "resource": resource,
                                                          "clientState": "s3cret"})
    assert created.status_code == 201
    subscription = created.json()
    assert subscription["expirationDateTime"] and "company" not in subscription
    projects = api.post(f"{api.base}/subscriptions", json={
        "notificationUrl": url, "resource": f"/api/v2.0/companies({bc_sim.company_id})/projects"})
    assert projects.status_code == 400  # projects send no notifications

    customer_id = next(iter(bc_sim.store["customers"]))
    bc_sim.update("customers", customer_id, displayName="Renamed Inc.")
    bc_sim.update("customers", customer_id, displayName="Renamed Again Inc.")
    assert bc_sim.notifications_send() == [200]
    (body,) = handler.received
    (note,) = json.loads(body)["value"]
    assert note["changeType"] == "updated" and note["clientState"] == "s3cret"
    assert note["resource"].endswith(f"/customers({customer_id})")
    renewed = api.patch(f"{api.base}/subscriptions('{subscription['subscriptionId']}')", json={},
                        headers={"If-Match": subscription["@odata.etag"]})
    assert renewed.status_code == 200


def test_more_changes_than_the_limit_make_one_collection_notification(bc_sim, api, receiver):
    handler, url = receiver
    api.post(f"{api.base}/subscriptions", json={"notificationUrl": url, "clientState": "s",
                                                "resource": f"/api/v2.0/companies({bc_sim.company_id})/customers"})
    for customer_id in list(bc_sim.store["customers"])[:4]:
        bc_sim.update("customers", customer_id, website="example.com")
    (notes,) = bc_sim.notifications_pending(max_notifications=3).values()
    assert [n["changeType"] for n in notes] == ["collection"] and "$filter=lastModifiedDateTime" in notes[0]["resource"]


def test_the_seed_is_shared_with_the_other_simulators():
    from connectors.netsuite.simulator import NetSuiteSimulator
    from connectors.simulators import data

    bc = DynamicsSimulator(seed=4, records=60)
    us_names = {c.legal_name for c in data.companies(4, 60) if c.country == "US"}
    names = {c["displayName"] for c in bc.store["customers"].values()}
    assert names and names <= us_names
    ns_names = {c["companyname"] for c in NetSuiteSimulator(seed=4, records=60).store["customer"].values()}
    assert names & ns_names  # the same clients, as each system holds them


def _lines_url(api, bc_sim, code="DEFAULT"):
    journal = next(j for j in bc_sim.store["journals"].values() if j["code"] == code)
    return f"{api.company}/journals({journal['id']})/journalLines"


LINE = {"accountNumber": "13150", "postingDate": "2026-11-22", "documentNumber": "ts-1",
        "externalDocumentNumber": "TS-0123456789ABCDEF", "amount": 2325.0, "description": "PRJ-7 week"}


def test_journals_and_the_chart_are_seeded_and_their_lines_empty(api, bc_sim):
    (journal,) = api.get(f"{api.company}/journals").json()["value"]
    assert (journal["code"], journal["templateDisplayName"]) == ("DEFAULT", "GENERAL")
    numbers = {a["number"] for a in api.get(f"{api.company}/accounts").json()["value"]}
    assert {"13150", "40150"} <= numbers
    assert api.get(_lines_url(api, bc_sim)).json()["value"] == [] and bc_sim.journal_lines() == []
    assert api.get(f"{api.company}/journalLines").status_code == 404  # only under a batch


def test_journal_lines_are_numbered_found_by_filter_and_paged(api, bc_sim):
    url = _lines_url(api, bc_sim)
    for n in range(5):
        created = api.post(url, json={**LINE, "externalDocumentNumber": f"TS-{n}", "amount": 100.0 + n})
        assert created.status_code == 201 and created.json()["@odata.etag"].startswith('W/"')
    first = bc_sim.journal_lines()[0]
    assert first["lineNumber"] == 10000 and first["documentNumber"] == "TS-1"  # a Code field: upper-cased
    assert first["accountId"] == next(a["id"] for a in bc_sim.store["accounts"].values() if a["number"] == "13150")
    assert first["journalDisplayName"] == "DEFAULT"
    found = api.get(url, params={"$filter": "externalDocumentNumber eq 'ts-3'"}).json()["value"]
    assert [line["amount"] for line in found] == [103.0]  # compared as the service does: case-insensitively
    page = api.get(url, headers={"Prefer": "odata.maxpagesize=2"}).json()
    rest = api.get(page["@odata.nextLink"]).json()
    assert len(page["value"]) == 2 and [r["lineNumber"] for r in rest["value"]] == [30000, 40000, 50000]


def test_a_bad_journal_line_is_a_400_and_nothing_is_written(api, bc_sim):
    url = _lines_url(api, bc_sim)
    too_long = api.post(url, json={**LINE, "documentNumber": "D" * 21})
    assert too_long.status_code == 400 and "less than or equal to 20 characters" in too_long.json()["error"]["message"]
    assert api.post(url, json={**LINE, "externalDocumentNumber": "E" * 36}).status_code == 400
    assert api.post(url, json={**LINE, "description": "d" * 101}).status_code == 400
    unknown = api.post(url, json={**LINE, "accountNumber": "99999"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "Application_DialogException"
    assert api.post(url, json={**LINE, "amount": "lots"}).status_code == 400
    assert api.post(url, json={**LINE, "postingDate": "22/11/2026"}).status_code == 400
    assert api.post(url, json={**LINE, "accountType": "Planet"}).status_code == 400
    assert api.post(url, json={**LINE, "quantity": 15.5}).status_code == 400  # no such field on the page
    assert api.post(url, json={**LINE, "journalDisplayName": "X"}).status_code == 400  # read-only
    assert api.post(url, data="not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert bc_sim.journal_lines() == []


def test_a_journal_line_is_changed_with_its_etag_and_a_batch_code_is_unique(api, bc_sim):
    url = _lines_url(api, bc_sim)
    line = api.post(url, json=LINE).json()
    missing = api.patch(f"{url}({line['id']})", json={"amount": 1.0})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "BadRequest_InvalidToken"
    done = api.patch(f"{url}({line['id']})", json={"amount": 1.0}, headers={"If-Match": line["@odata.etag"]})
    assert done.status_code == 200 and done.json()["amount"] == 1.0
    stale = api.patch(f"{url}({line['id']})", json={"amount": 2.0}, headers={"If-Match": line["@odata.etag"]})
    assert stale.status_code == 412
    twin = api.post(f"{api.company}/journals", json={"code": "default", "displayName": "Twin"})
    assert twin.status_code == 400 and twin.json()["error"]["code"] == "Internal_EntityWithSameKeyExists"
    made = api.post(f"{api.company}/journals", json={"code": "concord", "balancingAccountNumber": "40150"}).json()
    assert made["code"] == "CONCORD" and made["balancingAccountId"]
    assert api.post(f"{api.company}/journals", json={"code": "ELEVENCHARS"}).status_code == 400


def test_posting_a_batch_turns_its_lines_into_g_l_entries(api, bc_sim):
    url = _lines_url(api, bc_sim)
    api.post(url, json=LINE)
    journal_url = url.rsplit("/", 1)[0]
    unbalanced = api.post(f"{journal_url}/Microsoft.NAV.post")
    assert unbalanced.status_code == 400 and "out of balance" in unbalanced.json()["error"]["message"]
    journal = api.get(journal_url).json()
    api.patch(journal_url, json={"balancingAccountNumber": "40150"}, headers={"If-Match": journal["@odata.etag"]})
    assert api.post(f"{journal_url}/Microsoft.NAV.post").status_code == 204
    assert api.get(url).json()["value"] == []  # posted lines leave the journal
    entries = api.get(f"{api.company}/generalLedgerEntries", params={"$filter": "documentNumber eq 'TS-1'"}).json()
    assert [(e["accountNumber"], e["debitAmount"], e["creditAmount"]) for e in entries["value"]] == [
        ("13150", 2325.0, 0.0), ("40150", 0.0, 2325.0)]
    assert api.post(f"{api.company}/generalLedgerEntries", json={}).status_code == 405  # read only
