"""python manage.py run_simulator salesforce|netsuite|dynamics|bamboohr --port P [--seed N] [--records N] [--faults SPEC]
       [--demo-data]

Serves a system simulator on 127.0.0.1 until interrupted; optionally posts its change events to
the hub every few seconds (--emit-to URL --secret S). Business Central (dynamics) sends webhook
notifications to the subscriptions the hub made instead, every --emit-every seconds. See
docs/simulators.md.
"""

import shlex
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connectors.bamboohr.simulator import BambooHRSimulator
from connectors.dynamics.simulator import DynamicsSimulator
from connectors.models import CREDENTIAL_ENV
from connectors.netsuite.simulator import NetSuiteSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from mdm.demo_data import demo_records

SIMULATORS = {"salesforce": SalesforceSimulator, "netsuite": NetSuiteSimulator, "dynamics": DynamicsSimulator,
              "bamboohr": BambooHRSimulator}


class Command(BaseCommand):
    help = "Serve a Salesforce, NetSuite or Business Central simulator on 127.0.0.1 (seeded data, faults on demand)."

    def add_arguments(self, parser):
        parser.add_argument("system", choices=sorted(SIMULATORS))
        parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--records", type=int, default=200, help="how many client companies to seed")
        parser.add_argument("--faults", default="", help="e.g. 429:0.2@1s,500:0.1,timeout:0.05@3s,slow:0.1@2s,"
                                                         "page_fail:3,dup_events,out_of_order")
        parser.add_argument("--offset-cap", type=int, default=100_000, help="NetSuite: SuiteQL offset+limit cap")
        parser.add_argument("--concurrency-limit", type=int, default=5, help="NetSuite: parallel requests allowed")
        parser.add_argument("--api-limit", type=int, default=100_000, help="Salesforce: daily API requests")
        parser.add_argument("--emit-to", default="", help="post change events to this URL (the hub's events endpoint)")
        parser.add_argument("--secret", default="", help="HMAC secret for X-Concord-Signature")
        parser.add_argument("--emit-every", type=float, default=5.0, help="seconds between event posts")
        parser.add_argument("--skip-seed-events", action="store_true",
                            help="emit only changes made after start, not the seeded records' history "
                                 "(the hub pulls those)")
        parser.add_argument("--demo-data", action="store_true",
                            help="salesforce, netsuite: hold the embedded demo data set (what load_demo loads; "
                                 "--seed and --records then do not apply) instead of a seeded universe of its own")
        parser.add_argument("--key-file", default="", help="NetSuite: where to write the integration's private key "
                                                           "(default var/simulators/netsuite-integration.pem)")

    def handle(self, *args, system, port, seed, records, faults, emit_to, secret, emit_every, **options):
        if emit_to and not secret:
            raise CommandError("--emit-to needs --secret (events are signed)")
        extra = {"netsuite": {"offset_cap": options["offset_cap"], "concurrency_limit": options["concurrency_limit"]},
                 "salesforce": {"api_limit": options["api_limit"]}}.get(system, {})
        if options["demo_data"]:
            if system not in ("salesforce", "netsuite"):
                raise CommandError("--demo-data: the demo data set has Salesforce and NetSuite records only")
            extra["demo_data"] = demo_records()
        try:
            simulator = SIMULATORS[system](seed=seed, records=records, faults=faults,
                                           verbose=options["verbosity"] > 1, **extra)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["skip_seed_events"]:
            simulator.emitted = len(simulator.changes)
        simulator.start(port)
        counts = ", ".join(f"{len(rows)} {name}" for name, rows in simulator.store.items())
        credentials = dict(simulator.credentials)
        if "private_key" in credentials:  # NetSuite's M2M key: handed over as a file, not printed
            key_file = Path(options["key_file"] or Path(settings.VAR_DIR) / "simulators" / "netsuite-integration.pem")
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(credentials.pop("private_key"))
            key_file.chmod(0o600)
            credentials["private_key_path"] = str(key_file)
        self.stdout.write(f"{system} simulator on {simulator.base_url} ({counts}); credentials: "
                          f"{credentials}; faults: {faults or 'none'}. Ctrl-C stops it.")
        prefix = f"CONCORD_{system.upper()}_"
        variables = {f"{prefix}URL": simulator.base_url,
                     **{prefix + name.upper(): value for name, value in credentials.items() if name in CREDENTIAL_ENV}}
        self.stdout.write("connect the hub with: " + " ".join(f"{k}={shlex.quote(str(v))}" for k, v in variables.items()))
        notifies = hasattr(simulator, "notifications_send")  # Business Central: to its subscribers
        try:
            while True:
                time.sleep(emit_every if emit_to or notifies else 3600)
                if notifies:
                    statuses = simulator.notifications_send()
                    if statuses:
                        self.stdout.write(f"sent {len(statuses)} notification batch(es): {statuses}")
                elif emit_to:
                    statuses = simulator.emit_change_events(emit_to, secret)
                    if statuses:
                        self.stdout.write(f"posted {len(statuses)} event batch(es): {statuses}")
        except KeyboardInterrupt:
            pass
        finally:
            simulator.stop()
