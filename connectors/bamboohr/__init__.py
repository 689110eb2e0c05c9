"""BambooHR: the HR system's REST API (employee directory, changed employees, employee fields),
the registered connector that reads people as resources, and a simulator of its API beside it."""

from connectors.bamboohr.connector import BambooHRConnector

__all__ = ["BambooHRConnector"]
