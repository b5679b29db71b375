"""One-click unsubscribe (RFC 8058): a signed link per (person, rule) in every email's headers.

The token names the person and the rule and carries an HMAC of both under SECRET_KEY, so it cannot
be forged or moved to another person, and needs no sign-in: a mail client posts it. Using it turns
off that rule for that person; the token of a batched email turns off every rule that may be turned
off (what stays are the essential alerts, `models.vocabulary.ESSENTIAL_RULES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.signing import signature, signed_by
from models.vocabulary import ESSENTIAL_RULES, MUTABLE_RULES
from reminders.rules import DIGEST_RULES


def _message(person_id: int, rule: str) -> str:
    return f"unsubscribe:{person_id}:{rule}"


def unsubscribe_token(secret_key: str, person_id: int, rule: str) -> str:
    return f"{person_id}.{rule}.{signature(secret_key, _message(person_id, rule))}"


@dataclass(frozen=True)
class Unsubscribe:
    person_id: int
    rule: str

    @property
    def essential(self) -> bool:
        return self.rule in ESSENTIAL_RULES

    @property
    def rules_turned_off(self) -> list[str]:
        if self.rule in DIGEST_RULES:
            return list(MUTABLE_RULES)
        return [self.rule] if self.rule in MUTABLE_RULES else []


def read_token(secret_key: str, token: str) -> Unsubscribe | None:
    """The (person, rule) a token names, or None when it is malformed or its signature is wrong."""
    person, _, rest = token.partition(".")
    rule, _, presented = rest.rpartition(".")
    if not person.isdigit() or not rule or len(person) > 12:
        return None
    if not signed_by(secret_key, _message(int(person), rule), presented):
        return None
    return Unsubscribe(int(person), rule)
