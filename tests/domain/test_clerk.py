"""Clerk session tokens are verified without the network: RS256 only, times and azp checked."""
import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from buildstory.identity.clerk import ClerkTokenInvalid, display_name_from_claims, verify_clerk_token
from tests.helpers import clerk_keys, make_keys

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
PARTIES = ["http://localhost"]
PRIVATE, PUBLIC = clerk_keys()
OTHER_PRIVATE, _ = make_keys()


def token(private=PRIVATE, alg="RS256", **overrides):
    claims = {"sub": "user_clerk1", "azp": "http://localhost", "iat": int(NOW.timestamp()) - 10,
              "nbf": int(NOW.timestamp()) - 10, "exp": int(NOW.timestamp()) + 60, "name": "Ada Lovelace"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, private, algorithm=alg)


def verify(tok, parties=PARTIES):
    return verify_clerk_token(tok, key=PUBLIC, authorized_parties=parties, now=NOW)


def test_a_valid_token_verifies():
    claims = verify(token())
    assert claims["sub"] == "user_clerk1"
    assert display_name_from_claims(claims) == "Ada Lovelace"
    assert display_name_from_claims({"first_name": "Grace", "last_name": "Hopper"}) == "Grace Hopper"
    assert display_name_from_claims({}) is None


@pytest.mark.parametrize("bad", [
    token(exp=int((NOW - timedelta(minutes=5)).timestamp())),          # expired
    token(nbf=int((NOW + timedelta(minutes=5)).timestamp())),          # not yet valid
    token(private=OTHER_PRIVATE),                                      # wrong key
    token(azp="https://evil.example"),                                 # wrong azp
    token(exp=None),                                                   # no exp
    token(nbf=None),                                                   # no nbf
    "not.a.token",
], ids=["expired", "not-yet-valid", "wrong-key", "wrong-azp", "no-exp", "no-nbf", "garbage"])
def test_bad_tokens_are_refused(bad):
    with pytest.raises(ClerkTokenInvalid):
        verify(bad)


def test_alg_none_is_refused():
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": "user_x", "exp": 9999999999, "nbf": 0,
                                                "azp": "http://localhost"}).encode()).rstrip(b"=")
    with pytest.raises(ClerkTokenInvalid):
        verify(f"{header.decode()}.{body.decode()}.")


def test_hs256_signed_with_the_public_key_is_refused():
    # The classic key-confusion attack: HMAC with the PEM public key as the secret.
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": "user_x", "exp": 9999999999, "nbf": 0, "azp": "http://localhost"}
    import hashlib
    import hmac
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    signing = f"{enc(header)}.{enc(claims)}"
    sig = base64.urlsafe_b64encode(hmac.new(PUBLIC.encode(), signing.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    with pytest.raises(ClerkTokenInvalid):
        verify(f"{signing}.{sig}")


def test_azp_is_not_checked_when_no_parties_are_configured():
    assert verify(token(azp="https://anything.example"), parties=[])["sub"] == "user_clerk1"
