"""Named customer records shared by the engine tests."""

ACME_CRM = {"id": "crm-1", "name": "ACME Intl. Services, Inc.", "tax_id": "US 12-3456789", "country": "US",
            "city": "San Francisco", "postal_code": "94105", "address_line1": "12 Main St.",
            "phone": "(415) 555-0123", "email": "Info@acme.com", "website": "https://www.acme.com/contact"}
ACME_ERP = {"id": "erp-7", "name": "Acme International Svcs", "tax_id": "123456789", "country": "USA",
            "city": "San Francisco", "postal_code": "94105-1234", "address_line1": "12 Main Street",
            "phone": "+1 415 555 0123", "email": "info@acme.com", "website": "acme.com"}
ACME_GERMANY = {"id": "erp-8", "name": "Acme International Services GmbH", "tax_id": "DE 811 222 333",
                "country": "DE", "city": "Berlin", "postal_code": "10115", "address_line1": "Hauptstr. 5",
                "phone": "030 1234567", "email": "info@acme.de", "website": "acme.de"}
GLOBEX = {"id": "crm-2", "name": "Globex Corporation", "tax_id": "98-7654321", "country": "US", "city": "Springfield",
          "postal_code": "49007", "address_line1": "1 Globex Way", "phone": "(269) 555-0199",
          "email": "sales@globex.com", "website": "globex.com"}
