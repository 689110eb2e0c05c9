"""Default rates.  Every number can be overridden with --config FILE.json or
--set key=value on the command line.  Rates are probabilities per entity
("ent_") or per rendered record ("crm_"/"erp_" prefixes) unless noted."""

DEFAULTS = {
    # presence of an entity in the two systems (must sum to 1)
    "p_both": 0.68,
    "p_crm_only": 0.19,
    "p_erp_only": 0.13,
    # within-file duplicates: probability that a present entity gets extra record(s)
    "crm_dup_rate": 0.05,
    "crm_dup_extra2": 0.15,          # of duplicated: share that gets a third record
    "erp_dup_rate": 0.012,
    # look-alike groups: share of entities that belong to one
    "lookalike_share": 0.10,
    "lookalike_mix": {"subsidiary": 0.30, "group_partners": 0.25, "franchise": 0.25, "common_words": 0.20},
    # name model (entity level)
    "ent_trading_name": 0.18,        # entity has a trading / DBA name distinct from the legal name
    "ent_acronym_kind": 0.05,        # share of name patterns built for acronyms
    "ent_public_kind": 0.05,
    "ent_no_website": 0.04,
    "ent_alt_domain": 0.08,          # second company domain used for e-mail
    "ent_moved": 0.07,               # moved address (entities present in both systems)
    "ent_moved_city": 0.30,          # ...of which moved to another city
    "ent_mobile": 0.25,
    # trading-name placement: CRM / ERP modes (weights)
    "crm_trading_modes": {"trading": 40, "legal_col": 25, "fold": 20, "legal": 15},
    "erp_trading_modes": {"legal": 72, "fold": 16, "legal_col": 8, "trading": 4},
    # record-level name noise
    "crm_legal_form_drop": 0.30,
    "erp_legal_form_drop": 0.06,
    "legal_form_variant": 0.35,      # non-canonical variant of the legal form
    "crm_abbrev": 0.15,
    "erp_abbrev": 0.22,
    "amp_swap": 0.30,                # & <-> and/und/et...
    "compound_flip": 0.35,           # joined <-> split compound
    "word_order": 0.04,
    "crm_diacritics_fold": 0.15, "crm_diacritics_translit": 0.10,
    "erp_diacritics_fold": 0.30, "erp_diacritics_translit": 0.15,
    "crm_name_typo": 0.03, "erp_name_typo": 0.02,
    "crm_decoration": 0.05, "erp_decoration": 0.04, "dup_decoration": 0.35,
    "crm_upper": 0.015, "crm_lower": 0.01, "crm_title": 0.01,
    "erp_upper": 0.08, "erp_title": 0.02,
    "whitespace": 0.03,
    "erp_name2_spill": 0.5,          # truncated ERP names: remainder in name_2
    # tax ids
    "crm_tax_id": 0.35, "erp_tax_id": 0.88, "tax_typo": 0.02,
    # web / e-mail
    "crm_website": 0.85, "erp_website": 0.20,
    "crm_email": 0.30, "erp_email": 0.75,
    "crm_freemail": 0.06, "erp_freemail": 0.08,   # of e-mails
    # phones
    "crm_phone": 0.88, "erp_phone": 0.70,
    "multi_phone": 0.12, "phone_ext": 0.08, "shared_switchboard_in_record": 0.45,
    "erp_fax": 0.25,
    # addresses
    "crm_address_missing": 0.05, "erp_address_missing": 0.02,
    "crm_city_missing": 0.01, "erp_city_missing": 0.005,
    "crm_postcode_missing": 0.05, "erp_postcode_missing": 0.02,
    "postcode_format": 0.35,         # non-canonical postcode form
    "crm_postcode_zero_loss": 0.30, "erp_postcode_zero_loss": 0.10,   # of codes with a leading zero
    "crm_city_alias": 0.45, "erp_city_alias": 0.25,   # use an alias / exonym instead of the native name
    "city_typo": 0.02,
    "street_abbrev": 0.35, "street_typo": 0.04,
    "erp_po_box": 0.03,
    "us_zip4": 0.35,                 # entity has a ZIP+4 code
    "crm_country_missing": 0.02, "erp_country_missing": 0.003,
    "crm_currency": 0.5,
    # ERP subsidiaries: name field limits, upper-case legacy subsidiary
    "erp_subsidiaries": {
        "DACH": {"countries": ["DE", "AT", "CH"], "limit": 35, "upper": False, "ids": "cust"},
        "France": {"countries": ["FR"], "limit": None, "upper": False, "ids": "cust"},
        "Benelux": {"countries": ["NL", "BE"], "limit": None, "upper": False, "ids": "cust"},
        "UK&I": {"countries": ["GB", "IE"], "limit": None, "upper": False, "ids": "cust"},
        "Americas": {"countries": ["US", "CA"], "limit": None, "upper": False, "ids": "cust"},
        "APAC": {"countries": ["IN", "AU"], "limit": 30, "upper": True, "ids": "cust"},
        "Southern Europe": {"countries": ["ES", "IT", "PT"], "limit": 40, "upper": False, "ids": "cust"},
        "Nordics & CEE": {"countries": ["DK", "SE", "CZ"], "limit": 35, "upper": False, "ids": "numeric"},
    },
    # output
    "shuffle_chunk": 25000,
}


def merge(base, override):
    out = dict(base)
    for k, v in override.items():
        if k not in base:
            raise KeyError("unknown config key: %s" % k)
        if isinstance(base[k], dict) and isinstance(v, dict) and k != "erp_subsidiaries":
            d = dict(base[k])
            d.update(v)
            out[k] = d
        else:
            out[k] = v
    return out
