"""python manage.py dynamics_subscribe --url URL: subscribe the hub to Business Central's webhooks.

Creates (or renews, when they run out within a day) the subscriptions for customers, sales
orders and sales invoices, with the connection's webhook secret as clientState. The hub must be
serving URL (Business Central calls it for the handshake). Run it daily: subscriptions live
three days.
"""

from django.core.management.base import BaseCommand, CommandError

from connectors.base import ConnectorError


class Command(BaseCommand):
    help = "Create or renew the hub's Business Central webhook subscriptions."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="the hub's notification URL, e.g. "
                                                         "https://hub.example/api/v1/events/dynamics/")

    def handle(self, *args, url, **options):
        from connectors.models import connection_for, connection_settings

        try:
            connector = connection_for("dynamics")
            done = connector.subscriptions_ensure(notification_url=url,
                                                  client_state=connection_settings("dynamics")["webhook_secret"])
        except (LookupError, ConnectorError) as error:
            raise CommandError(str(error)) from None
        for entity_set, what in done.items():
            self.stdout.write(f"{entity_set}: {what}")
