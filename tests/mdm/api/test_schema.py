"""The OpenAPI schema describes every app's endpoints without a warning (a warning is a hole in it)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_openapi_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/customers/", "/api/v1/lookup/", "/api/v1/quality/violations/"):
        assert path in text
