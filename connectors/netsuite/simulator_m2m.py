"""The NetSuite simulator's side of OAuth 2.0 client credentials (M2M): a key pair for its default
integration, and the checks NetSuite makes on a client assertion before issuing a token."""

from __future__ import annotations

import time
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ["PS256", "PS384", "PS512", "RS256", "ES256", "ES384", "ES512"]
SCOPES = {"restlets", "rest_webservices", "suite_analytics"}
MAX_LIFETIME = 3600
LEEWAY = 60  # clock skew tolerated on iat / exp


@lru_cache(maxsize=8)
def key_pair(name: str = "default") -> tuple[str, str]:
    """(private PEM, public PEM) of an RSA key, made once per name and process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def assertion_check(assertion: str, *, certificates: dict[tuple[str, str], str], audience: str,
                    now: float | None = None) -> tuple[str | None, str]:
    """(client id, "") when the assertion is good; (None, reason) otherwise. `certificates` maps
    (client id, certificate id) to the public PEM uploaded for that mapping. Reasons use the
    Login Audit Trail's words (InvalidSignature, ...)."""
    now = time.time() if now is None else now
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, "InvalidRequest: the client assertion is not a JWT"
    if header.get("alg") not in ALGORITHMS:
        return None, f"InvalidAlgorithm: {header.get('alg')}"
    public = certificates.get((str(claims.get("iss")), str(header.get("kid"))))
    if public is None:
        return None, "InvalidIntegration: no certificate mapped for this client id and kid"
    try:
        jwt.decode(assertion, public, algorithms=[header["alg"]], audience=audience,
                   options={"require": ["iss", "aud", "iat", "exp", "scope"], "verify_exp": False,
                            "verify_iat": False})
    except jwt.InvalidAudienceError:
        return None, "InvalidAudience: aud must be the token endpoint URL"
    except jwt.MissingRequiredClaimError as error:
        return None, f"InvalidRequest: {error}"
    except jwt.PyJWTError:
        return None, "InvalidSignature"
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, (int, float)) or not isinstance(expires, (int, float)):
        return None, "InvalidRequest: iat and exp must be numbers"
    if expires <= now - LEEWAY:
        return None, "TokenExpired: the client assertion has expired"
    if issued > now + LEEWAY or expires - issued > MAX_LIFETIME:
        return None, "InvalidRequest: exp must be at most 60 minutes after iat, iat not in the future"
    scope = claims["scope"]
    scopes = set(scope.split(",") if isinstance(scope, str) else scope if isinstance(scope, list) else [])
    if not scopes or not scopes <= SCOPES:
        return None, "InvalidScope"
    return str(claims["iss"]), ""



def public_key_of(private_pem: str) -> str:
    """The public PEM of a private key (to map the certificate of given credentials)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
