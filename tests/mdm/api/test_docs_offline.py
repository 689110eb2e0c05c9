"""/api/docs/ works on a machine without internet: Swagger UI comes from our own static files."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_docs_page_loads_nothing_from_another_host(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    sources = re.findall(r"(?:src|href)=[\"']([^\"']+)", page)
    assert sources, "the page references its scripts and styles"
    assert not [source for source in sources if source.startswith(("http:", "https:", "//"))]
    assert any("drf_spectacular_sidecar" in source for source in sources)
