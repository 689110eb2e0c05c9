"""python manage.py simulator_close_opportunity --url http://127.0.0.1:9001 [--opportunity 006...]
       [--amend --total 180000 --end-date 2027-12-31] [--netsuite-url URL --faults billing_refused|""]

Demo helper, talking to running simulators over their APIs (as a salesperson and an admin would):
- close an open opportunity (the first one when none is named) as Closed Won, with its signed
  Contract (upserted by its Opportunity__c), and print its id;
- `--amend`: a change order on that opportunity's contract (new value and/or end date);
- `--faults`: set or clear the NetSuite simulator's own faults (e.g. billing_refused).
"""

import requests
from django.core.management.base import BaseCommand, CommandError

from connectors.base import ConnectorError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.simulator import SalesforceSimulator


class Command(BaseCommand):
    help = "Close an opportunity (or amend its contract) in a running Salesforce simulator; set NetSuite faults."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="the Salesforce simulator's base URL")
        parser.add_argument("--opportunity", default="", help="opportunity id (default: the first open one)")
        parser.add_argument("--amend", action="store_true", help="change the opportunity's contract instead")
        parser.add_argument("--total", type=float, default=None)
        parser.add_argument("--end-date", default="")
        parser.add_argument("--netsuite-url", default="", help="the NetSuite simulator's base URL (--faults)")
        parser.add_argument("--faults", default=None, help='NetSuite simulator faults, e.g. billing_refused; "" clears')

    def handle(self, *args, url, opportunity, amend, total, end_date, netsuite_url, faults, **options):
        if faults is not None:
            if not netsuite_url:
                raise CommandError("--faults needs --netsuite-url")
            response = requests.post(f"{netsuite_url.rstrip('/')}/simulator/faults", json={"faults": faults}, timeout=10)
            if response.status_code != 200:
                raise CommandError(f"the NetSuite simulator refused: {response.text}")
            self.stdout.write(f"NetSuite simulator faults: {faults or 'none'}")
        if not url:
            return
        # A salesperson's change, not Concord's: the change events it causes must not look like echoes.
        client = SalesforceClient(url, credentials=SalesforceSimulator(records=0).credentials,
                                  call_options="client=sales-demo")
        try:
            self._act(client, opportunity, amend, total, end_date)
        except ConnectorError as error:
            raise CommandError(f"Salesforce simulator: {error}") from None

    def _act(self, client, opportunity, amend, total, end_date):
        path = f"{client.data_path}/sobjects"
        if not opportunity:
            rows = next(client.query("SELECT Id, Name, StageName FROM Opportunity WHERE StageName != 'Closed Won' "
                                     "AND StageName != 'Closed Lost' ORDER BY Id"), [])
            if not rows:
                raise CommandError("no open opportunity left in the simulator")
            opportunity = rows[0]["Id"]
        record = client.request("GET", f"{path}/Opportunity/{opportunity}").json()
        if amend:
            fields = {k: v for k, v in (("Total_Value__c", total), ("EndDate", end_date or None)) if v is not None}
            if not fields:
                raise CommandError("--amend needs --total and/or --end-date")
            client.upsert("Contract", "Opportunity__c", opportunity, fields)
            self.stdout.write(f"contract of {opportunity} amended: {fields}")
            return
        start = record.get("CloseDate") or "2026-07-01"
        contract_id, _ = client.upsert("Contract", "Opportunity__c", opportunity, {
            "AccountId": record["AccountId"], "Name": f"{record['Name']} contract", "Status": "Activated",
            "StartDate": start, "EndDate": f"{int(start[:4]) + 1}{start[4:]}", "Total_Value__c": record.get("Amount"),
            "Billing_Type__c": record.get("Billing_Type__c"), "CurrencyIsoCode": record.get("CurrencyIsoCode")})
        client.upsert("Opportunity", "Id", opportunity, {"StageName": "Closed Won", "ContractId": contract_id})
        self.stdout.write(f"opportunity {opportunity} ({record['Name']}) is Closed Won with contract {contract_id}")
