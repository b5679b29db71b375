"""Who may still be written to: a reminder's recipient as they are when it goes out.

A reminder is queued for a focal point or the champion of an organization (or for the
secretariat); by the time it is sent, or batched into a daily or weekly email, the person may have
been deactivated or lost that role. Both the sender and the batch compiler ask here, so such a
reminder never reaches them (docs/design.md "Reminders").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.engine import fetch
from reminders.facts import chunks

SERVING_ROLES = ("focal_point", "champion")  # the roles that receive an organization's reminders


@dataclass
class Recipients:
    """The recipients of a batch as they are now: names, and who may still be written to."""

    names: dict[int, str] = field(default_factory=dict)
    # Each person's language ("" for one who never chose: English); the email is written in it.
    languages: dict[int, str] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)
    # (person, role, organization) of every role held now; organization None for secretariat/donor
    roles: set[tuple[int, str, int | None]] = field(default_factory=set)

    def refusal(self, row: dict[str, Any]) -> str | None:
        """Why this reminder must not go out any more, or None.

        A reminder is queued for a focal point or the champion of an organization (or for the
        secretariat); by the time it is sent the person may have been deactivated or lost that role
        (a focal point who left, say). It then stays unsent, marked failed with the reason, in the
        secretariat's list. Another role on the organization (peer reviewer) does not count.
        """
        person, org = row["recipient"], row["organization"]
        if person is None:
            return None
        person = int(person)
        if person not in self.active:
            return "not sent: the recipient's account was deactivated after it was queued"
        serves = (
            org is None
            or (person, "secretariat", None) in self.roles
            or any((person, role, int(org)) in self.roles for role in SERVING_ROLES)
        )
        if not serves:
            return "not sent: the recipient is no longer a focal point or the champion of this organization"
        return None


async def current_recipients(rows: list[dict[str, Any]]) -> Recipients:
    found = Recipients()
    for ids in chunks([int(r["recipient"]) for r in rows if r["recipient"] is not None]):
        for person in await fetch(f"SELECT id, name, active, language FROM person WHERE id IN ({ids})"):
            found.names[int(person["id"])] = person["name"]
            found.languages[int(person["id"])] = person["language"]
            if person["active"]:
                found.active.add(int(person["id"]))
        for held in await fetch(
            f"SELECT person, role, organization FROM role_assignment WHERE person IN ({ids})"
        ):
            org = held["organization"]
            found.roles.add((int(held["person"]), held["role"], None if org is None else int(org)))
    return found
