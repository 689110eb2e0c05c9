"""The Fodors–Zagats restaurant benchmark (533 × 331 records, 112 true pairs), as bundled in the
PyPI package py_entitymatching's data sets.

py_entitymatching itself is not imported (it pins old libraries): its source archive is fetched
with `pip download --no-deps` and the three CSV files are read out of it into
benchmarks/data/fodors_zagats/ (gitignored), once.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "benchmarks" / "data" / "fodors_zagats"
PACKAGE = "py_entitymatching==0.4.2"
INNER = "py_entitymatching/datasets/end-to-end/restaurants/"
FILES = ("fodors.csv", "zagats.csv", "matches_fodors_zagats.csv")


def ensure_files() -> Path:
    if all((CACHE / name).is_file() for name in FILES):
        return CACHE
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run([sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps",
                        "-q", "-d", download], check=True, stdout=subprocess.DEVNULL)
        archive = next(Path(download).iterdir())
        for name in FILES:
            (CACHE / name).write_bytes(_member(archive, INNER + name))
    return CACHE


def _member(archive: Path, suffix: str) -> bytes:
    """A file of the archive whose path ends in `suffix` (a source tarball or a wheel)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as bundle:
            return bundle.read(next(n for n in bundle.namelist() if n.endswith(suffix)))
    with tarfile.open(archive) as bundle:
        member = next(m for m in bundle.getmembers() if m.name.endswith(suffix))
        return bundle.extractfile(member).read()


def load() -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str]]]:
    """(fodors, zagats, true pairs as (fodors id, zagats id))."""
    folder = ensure_files()
    fodors = pd.read_csv(folder / "fodors.csv", dtype=str)
    zagats = pd.read_csv(folder / "zagats.csv", dtype=str)
    matches = pd.read_csv(folder / "matches_fodors_zagats.csv", dtype=str)
    return fodors, zagats, list(zip(matches["fodors_id"], matches["zagats_id"], strict=True))


def as_customers(frame: pd.DataFrame) -> pd.DataFrame:
    """Restaurants as customers: name, the street address line, city, a US phone; the cuisine
    (`type`) is the business's industry."""
    return pd.DataFrame({
        "source_id": frame["id"], "name": frame["name"], "country": "US", "city": frame["city"],
        "address_line1": frame["addr"], "phone": frame["phone"], "industry": frame["type"],
    })
