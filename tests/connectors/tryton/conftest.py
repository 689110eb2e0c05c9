"""A real trytond for the Tryton connector tests: used when already running (CI starts it with
scripts/tryton/setup.sh && scripts/tryton/start.sh), else set up and started here, once per session."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TRYTON_DIR = Path(os.environ.get("CONCORD_TRYTON_DIR", ROOT / "var" / "tryton"))
PORT = os.environ.get("CONCORD_TRYTON_PORT", "8123")
URL = f"http://127.0.0.1:{PORT}"
DATABASE = os.environ.get("CONCORD_TRYTON_DB", "concord")


def _answers() -> bool:
    request = urllib.request.Request(f"{URL}/rpc/", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"method": "common.server.version", "params": [], "id": 1}).encode())
    try:
        return bool(json.load(urllib.request.urlopen(request, timeout=2)).get("result"))
    except OSError:
        return False


@pytest.fixture(scope="session")
def tryton_server():
    started_here = False
    if not _answers():
        for script in ("setup.sh", "start.sh"):
            done = subprocess.run(["bash", str(ROOT / "scripts" / "tryton" / script)], cwd=ROOT,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.fail(f"scripts/tryton/{script} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        started_here = True
    if not (TRYTON_DIR / "admin-password").exists():
        pytest.fail(f"trytond answers on {URL} but {TRYTON_DIR} is gone (var/ was wiped under it): stop that "
                    "trytond, then run scripts/tryton/setup.sh and scripts/tryton/start.sh")
    password = (TRYTON_DIR / "admin-password").read_text().strip()
    yield {"base_url": URL, "database": DATABASE, "username": "admin", "password": password}
    if started_here:
        subprocess.run(["bash", str(ROOT / "scripts" / "tryton" / "stop.sh")], cwd=ROOT, timeout=30)


@pytest.fixture
def tryton(tryton_server, db):
    """The hub's connection to Tryton, stored like an admin would; Tryton takes golden customers back."""
    from connectors.models import Connection, connection_for
    from mdm.models import SourceSystem

    SourceSystem.objects.update(sync_back_domains=[])
    system = SourceSystem.objects.get(name="tryton")
    system.sync_back_domains = ["customer"]
    system.save()
    credentials = {k: tryton_server[k] for k in ("database", "username", "password")}
    Connection.objects.create(system=system, base_url=tryton_server["base_url"], credentials=credentials,
                              page_size=50)
    connector = connection_for("tryton")
    # Tryton's database outlives test runs: start reading after what is already there.
    from connectors.models import Watermark
    from connectors.tryton import mapping

    for model in (mapping.PARTY, mapping.SALE, mapping.WORK):
        where = [("active", "in", [True, False])] if model == mapping.PARTY else []
        latest = connector.client.search_read(model, where, limit=1, order=[("last_modified_at", "DESC"),
                                                                            ("id", "DESC")],
                                              fields=["last_modified_at"])
        if latest:
            Watermark.objects.create(system=system, object_type=model,
                                     value=f"{latest[0]['last_modified_at'].isoformat()}|{latest[0]['id']}")
    return connector


@pytest.fixture
def tag() -> str:
    """Tryton's database outlives a test run: names carry a tag so each test finds its own parties."""
    return uuid.uuid4().hex[:8]
