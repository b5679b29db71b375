"""Short HMAC-SHA256 signatures under SECRET_KEY: what the flash cookie and unsubscribe links carry."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret_key: str, message: str) -> str:
    """The message's signature: 32 hex digits (128 bits) of its HMAC-SHA256."""
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def signed_by(secret_key: str, message: str, presented: str) -> bool:
    """Whether `presented` is the message's signature (compared in constant time)."""
    return hmac.compare_digest(presented, signature(secret_key, message))
