"""Tryton (open-source ERP) over JSON-RPC: parties are customers, sales are contracts, project works are projects."""

from connectors.tryton.connector import TrytonConnector

__all__ = ["TrytonConnector"]
