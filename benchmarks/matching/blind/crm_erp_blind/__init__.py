"""Blind CRM/ERP customer-export generator for entity-resolution testing.

Written without reading the matcher under test (see /work/blindgen/README.md).
Standard library only.
"""

__version__ = "1.0"
