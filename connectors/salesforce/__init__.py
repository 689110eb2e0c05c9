"""Salesforce: REST client, mapping to canonical attributes, and the registered connector."""

from connectors.salesforce.connector import SalesforceConnector

__all__ = ["SalesforceConnector"]
