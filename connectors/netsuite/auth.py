"""NetSuite's OAuth 2.0 client credentials (machine-to-machine) login: the client assertion.

The integration signs a short-lived JWT with the private key of the certificate uploaded to
NetSuite (Setup > Integration > OAuth 2.0 Client Credentials (M2M) Setup) and posts it to the
token endpoint; NetSuite answers with a bearer access token valid for 60 minutes. NetSuite offers
no client-secret login for this flow: the certificate is the credential.

    header  {"typ": "JWT", "alg": "PS256", "kid": <certificate id>}
    claims  {"iss": <client id>, "scope": ["restlets", "rest_webservices"],
             "aud": <the token endpoint URL>, "iat": now, "exp": now + at most 3600}
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt

from connectors.base import ConnectorError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("PS256", "PS384", "PS512", "RS256", "ES256", "ES384", "ES512")
DEFAULT_SCOPE = ("restlets", "rest_webservices")
ASSERTION_SECONDS = 300  # NetSuite allows up to 3600; the assertion is used once, right away


def private_key_of(credentials: dict[str, Any]) -> str:
    """The PEM text of the integration's private key: `private_key` itself, or read from
    `private_key_path`."""
    if credentials.get("private_key"):
        return str(credentials["private_key"])
    path = credentials.get("private_key_path")
    if not path:
        raise ConnectorError("NetSuite login needs the integration's private key: set private_key or "
                             "private_key_path (CONCORD_NETSUITE_PRIVATE_KEY[_PATH])", retryable=False,
                             code="config")
    try:
        return Path(path).read_text()
    except OSError as error:
        raise ConnectorError(f"cannot read the NetSuite private key at {path}: {error}", retryable=False,
                             code="config") from None


def client_assertion(credentials: dict[str, Any], token_url: str, *, now: float | None = None) -> str:
    """The signed JWT to post as `client_assertion`."""
    missing = [name for name in ("client_id", "certificate_id") if not credentials.get(name)]
    if missing:
        raise ConnectorError(f"NetSuite login needs {' and '.join(missing)} (CONCORD_NETSUITE_"
                             f"{missing[0].upper()})", retryable=False, code="config")
    algorithm = str(credentials.get("algorithm") or "PS256")
    if algorithm not in ALGORITHMS:
        raise ConnectorError(f"NetSuite signs assertions with one of {', '.join(ALGORITHMS)}, not {algorithm}",
                             retryable=False, code="config")
    scope = credentials.get("scope") or DEFAULT_SCOPE
    scope = [s.strip() for s in scope.split(",")] if isinstance(scope, str) else list(scope)
    issued = int(now if now is not None else time.time())
    claims = {"iss": str(credentials["client_id"]), "scope": scope, "aud": token_url, "iat": issued,
              "exp": issued + ASSERTION_SECONDS}
    try:
        return jwt.encode(claims, private_key_of(credentials), algorithm=algorithm,
                          headers={"kid": str(credentials["certificate_id"]), "typ": "JWT"})
    except (ValueError, TypeError, jwt.PyJWTError) as error:  # not a PEM key, or the wrong kind for alg
        raise ConnectorError(f"cannot sign the NetSuite client assertion: {error}", retryable=False,
                             code="config") from None
