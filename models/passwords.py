"""Password hashing with argon2id (argon2-cffi: a maintained, audited implementation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's current recommended parameters (RFC 9106's low-memory profile).
PRODUCTION_HASHER = PasswordHasher()
_hasher = PRODUCTION_HASHER

# Verified against when the email is unknown, so both answers take about the same time. Made on
# first use (or by `prepare_dummy_hash` at a server's start), not at import: every process that
# imports the app (each command, each test worker) would otherwise pay for a production hash.
_dummy_hash: str | None = None

MIN_PASSWORD_LENGTH = 10


def use_test_parameters() -> None:
    """Hash with the cheapest argon2id parameters from now on, in this process only.

    For the test suite alone (tests/conftest.py calls it): a verification with the production
    parameters costs a large share of a test. Nothing in the app calls it, so a running server
    always hashes with PRODUCTION_HASHER; hashes carry their own parameters, so either kind verifies.
    """
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _dummy_hash = None


def prepare_dummy_hash() -> str:
    """The hash an unknown email is verified against, made with the current parameters."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password")
    return _dummy_hash


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or prepare_dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def verify_dummy(password: str) -> None:
    """Spend the same time as a real verification (for unknown emails)."""
    verify_password(prepare_dummy_hash(), password)
