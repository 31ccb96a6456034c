"""JSON Web Tokens made in the test: an RSA key pair, its JWKS, and RS256-signed tokens.

Istio's JWT tasks use a key pair and tokens from istio.io; the machine has no internet,
so tests make their own with ``cryptography`` (the same RS256 a real issuer signs with).
"""
from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _number(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class Issuer:
    """One signing key under a key id, issuing tokens as ``issuer``."""

    issuer: str
    key_id: str = "test-key"
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                     key_size=2048))

    def jwks(self) -> str:
        numbers = self.key.public_key().public_numbers()
        return json.dumps({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.key_id,
                                     "n": _number(numbers.n), "e": _number(numbers.e)}]})

    def token(self, subject: str, lifetime: float = 3600, **claims) -> str:
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.key_id}
        payload = {"iss": self.issuer, "sub": subject, "iat": now, "exp": now + int(lifetime), **claims}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"
