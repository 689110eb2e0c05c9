"""NetSuite's machine-to-machine login: a JWT client assertion signed with the integration's
certificate key, checked by the simulator the way NetSuite checks it."""

import time

import jwt
import pytest
import requests

from connectors.base import ConnectorError
from connectors.netsuite import simulator_m2m as m2m
from connectors.netsuite.auth import ASSERTION_TYPE, client_assertion
from connectors.netsuite.client import TOKEN_PATH, NetSuiteClient
from tests.connectors.netsuite.conftest import make_connector


def _token_answer(sim, assertion, **form):
    return requests.post(f"{sim.base_url}{TOKEN_PATH}", timeout=5, data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion,
        **form})


def test_the_assertion_carries_what_netsuite_asks_for(ns_sim):
    token_url = f"{ns_sim.base_url}{TOKEN_PATH}"
    assertion = client_assertion(ns_sim.credentials, token_url, now=1_780_000_000)
    header = jwt.get_unverified_header(assertion)
    assert (header["alg"], header["kid"], header["typ"]) == ("PS256", "concord-cert-1", "JWT")
    claims = jwt.decode(assertion, m2m.key_pair()[1], algorithms=["PS256"], audience=token_url,
                        options={"verify_exp": False})
    assert claims["iss"] == "concord" and claims["scope"] == ["restlets", "rest_webservices"]
    assert claims["iat"] == 1_780_000_000 and 0 < claims["exp"] - claims["iat"] <= 3600


def test_a_good_assertion_gets_a_token_that_opens_the_api(ns_sim, ns):
    ns.client.authenticate()
    assert ns.client.authentications == 1 and ns.client.access_token in ns_sim.tokens
    assert ns.client.suiteql("SELECT id FROM customer", limit=1)["items"]


@pytest.mark.parametrize("spoil, reason", [
    ("wrong_key", "InvalidSignature"),
    ("expired", "TokenExpired"),
    ("wrong_aud", "InvalidAudience"),
    ("unknown_kid", "InvalidIntegration"),
    ("too_long", "InvalidRequest"),
])
def test_a_bad_assertion_is_refused_with_401_and_no_token(ns_sim, spoil, reason):
    credentials = dict(ns_sim.credentials)
    token_url = f"{ns_sim.base_url}{TOKEN_PATH}"
    now = time.time()
    if spoil == "wrong_key":
        credentials["private_key"] = m2m.key_pair("someone else")[0]
    if spoil == "unknown_kid":
        credentials["certificate_id"] = "revoked-cert"
    if spoil == "wrong_aud":
        token_url = "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    if spoil == "expired":
        now -= 2 * 3600
    assertion = client_assertion(credentials, token_url, now=now)
    if spoil == "too_long":
        claims = jwt.decode(assertion, options={"verify_signature": False})
        assertion = jwt.encode({**claims, "exp": claims["iat"] + 7200}, credentials["private_key"], algorithm="PS256",
                               headers={"kid": credentials["certificate_id"]})
    answer = _token_answer(ns_sim, assertion)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_grant" and answer.json()["error_description"].startswith(reason)
    assert not ns_sim.tokens


def test_the_client_reports_a_refused_login_as_permanent(ns_sim):
    credentials = {**ns_sim.credentials, "private_key": m2m.key_pair("someone else")[0]}
    client = NetSuiteClient(ns_sim.base_url, credentials=credentials, timeout=2.0)
    with pytest.raises(ConnectorError) as refused:
        client.suiteql("SELECT id FROM customer")
    assert (refused.value.code, refused.value.retryable) == ("invalid_grant", False)
    assert "InvalidSignature" in str(refused.value)


def test_a_client_secret_is_no_way_in(ns_sim):
    answer = requests.post(f"{ns_sim.base_url}{TOKEN_PATH}", timeout=5, data={
        "grant_type": "client_credentials", "client_id": "concord", "client_secret": "concord-secret"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_missing_key_material_is_a_configuration_error(ns_sim, tmp_path):
    for credentials in ({"client_id": "concord", "certificate_id": "c"},
                        {"client_id": "concord", "certificate_id": "c", "private_key_path": str(tmp_path / "none.pem")},
                        {"client_id": "concord", "certificate_id": "c", "private_key": "not a key"},
                        {"certificate_id": "c", "private_key": m2m.key_pair()[0]}):
        client = NetSuiteClient(ns_sim.base_url, credentials=credentials, timeout=2.0)
        with pytest.raises(ConnectorError) as refused:
            client.authenticate()
        assert (refused.value.code, refused.value.retryable) == ("config", False)


def test_a_token_about_to_expire_is_renewed_before_the_call(ns_sim, ns):
    ns.client.authenticate()
    first = ns.client.access_token
    ns.client.token_expires_at = time.monotonic() + 30  # within the renewal margin
    ns.client.suiteql("SELECT id FROM customer", limit=1)
    assert ns.client.authentications == 2 and ns.client.access_token != first
    assert ns_sim.calls[f"POST {TOKEN_PATH}"] == 2


def test_a_token_the_account_expired_is_renewed_on_the_401(ns_sim):
    ns_sim.token_seconds = 0  # every token is dead on arrival at the API; the client learns by the 401
    connector = make_connector(ns_sim)
    with pytest.raises(ConnectorError) as refused:
        connector.client.suiteql("SELECT id FROM customer", limit=1)
    assert refused.value.code == "INVALID_LOGIN" and connector.client.authentications == 2


@pytest.mark.django_db
def test_the_login_reads_its_credentials_from_the_environment(ns_sim, tmp_path, monkeypatch):
    from connectors.models import connection_for

    key = tmp_path / "netsuite-integration.pem"
    key.write_text(ns_sim.credentials["private_key"])
    monkeypatch.setenv("CONCORD_NETSUITE_URL", ns_sim.base_url)
    monkeypatch.setenv("CONCORD_NETSUITE_CLIENT_ID", "concord")
    monkeypatch.setenv("CONCORD_NETSUITE_CERTIFICATE_ID", "concord-cert-1")
    monkeypatch.setenv("CONCORD_NETSUITE_PRIVATE_KEY_PATH", str(key))
    connector = connection_for("netsuite")
    assert connector.client.suiteql("SELECT id FROM customer", limit=1)["items"]
    assert connector.client.authentications == 1
