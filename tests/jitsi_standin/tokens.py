"""Moderator tokens as prosody's token authentication checks them (docker-jitsi-meet AUTH_TYPE=jwt,
jitsi-meet resources/prosody-plugins/token/util.lib.lua): HS256 with JWT_APP_SECRET, `iss` in
JWT_ACCEPTED_ISSUERS, `aud` in JWT_ACCEPTED_AUDIENCES (both the app id here), `exp`/`nbf` when
present, and the `room` claim bound to the session (checked when it joins a room)."""

import base64
import hashlib
import hmac
import json
import time


class TokenError(Exception):
    pass


def _decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(token, app_id, secret):
    """The token's claims if prosody would accept it, else TokenError saying why."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header, claims = json.loads(_decode(header_b64)), json.loads(_decode(payload_b64))
        signature = _decode(signature_b64)
    except (ValueError, json.JSONDecodeError) as error:
        raise TokenError(f"not a JWT: {error}") from None
    if header.get("alg") != "HS256":
        raise TokenError(f"alg {header.get('alg')!r} is not HS256")
    expected = hmac.new(secret, f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise TokenError("signature mismatch")
    if claims.get("iss") != app_id:
        raise TokenError(f"issuer {claims.get('iss')!r} not accepted")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    if app_id not in audiences:
        raise TokenError(f"audience {claims.get('aud')!r} not accepted")
    now = time.time()
    if "exp" in claims and now >= claims["exp"]:
        raise TokenError("token expired")
    if "nbf" in claims and now < claims["nbf"]:
        raise TokenError("token not valid yet")
    if not claims.get("room"):
        raise TokenError("no room claim")
    return claims


def mint(app_id, secret, room, lifetime=3600):
    """A token as the start-meeting function mints it (for tests that have no start-meeting)."""
    def encode(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    now = int(time.time())
    signing_input = encode({"alg": "HS256", "typ": "JWT"}) + "." + encode(
        {"iss": app_id, "aud": app_id, "sub": "meet.jitsi", "room": room, "iat": now, "nbf": now - 60,
         "exp": now + lifetime, "context": {"user": {"name": "Host", "moderator": True}}})
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
