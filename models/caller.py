"""Who is asking, and which audience they read at: the one object every service filters by.

docs/design.md "Who uses it, and what each may do": a role on an organization never grants anything on another. The API
resolves the caller from a session cookie or a bearer token; the CLI and the scheduler use `SYSTEM`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Caller:
    person_id: int | None
    email: str = ""
    name: str = ""
    # (role, organization id or None for the unscoped roles secretariat and donor)
    roles: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)
    via: str = "anonymous"  # "session", "token", "system" or "anonymous"
    csrf_token: str = ""
    # The person's chosen language, or "" (not chosen yet, or anonymous): pages then follow the
    # browser's Accept-Language (docs/design.md "Languages").
    language: str = ""

    @property
    def authenticated(self) -> bool:
        return self.person_id is not None or self.via == "system"

    # Derived once per Caller (a Caller never changes; the API reuses one while the database does).
    @cached_property
    def is_secretariat(self) -> bool:
        return self.via == "system" or any(role == "secretariat" for role, _ in self.roles)

    @cached_property
    def is_donor(self) -> bool:
        return any(role == "donor" for role, _ in self.roles)

    def has_role(self, role: str, org_id: int | None = None) -> bool:
        if org_id is None:
            return any(r == role for r, _ in self.roles)
        return (role, org_id) in self.roles

    def org_ids(self, *roles: str) -> set[int]:
        return {org for r, org in self.roles if org is not None and (not roles or r in roles)}

    @cached_property
    def member_org_ids(self) -> frozenset[int]:
        """Organizations whose internal data this caller may read (focal point or champion)."""
        return frozenset(self.org_ids("focal_point", "champion"))

    def is_member(self, org_id: int) -> bool:
        return org_id in self.member_org_ids

    def can_edit(self, org_id: int) -> bool:
        """Focal points edit their own organization's records; the secretariat may edit any."""
        return self.is_secretariat or self.has_role("focal_point", org_id)

    def audience_for(self, org_id: int) -> str | None:
        """The audience at which this caller reads one organization, or None for no access."""
        if self.is_secretariat or self.is_member(org_id):
            return "internal"
        if self.has_role("peer_reviewer", org_id) or self.member_org_ids or self.org_ids():
            return "peer"
        if self.is_donor:
            return "donor"
        return None

    @property
    def comparison_audience(self) -> str | None:
        """Audience for cross-organization views (comparison page, spreadsheets)."""
        if self.is_secretariat:
            return "internal"
        if self.org_ids():
            return "peer"
        if self.is_donor:
            return "donor"
        return None


ANONYMOUS = Caller(person_id=None)
SYSTEM = Caller(person_id=None, email="system", name="system", via="system")
