"""NetSuite: SuiteTalk REST client, mapping to canonical attributes, and the registered connector."""

from connectors.netsuite.connector import NetSuiteConnector

__all__ = ["NetSuiteConnector"]
