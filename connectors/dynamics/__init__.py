"""Dynamics 365 Business Central: API v2.0 client, mapping to canonical attributes, the registered
connector and the webhook notifications endpoint."""

from connectors.dynamics.connector import DynamicsConnector

__all__ = ["DynamicsConnector"]
