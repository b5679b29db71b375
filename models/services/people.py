"""People and their role assignments."""

from __future__ import annotations

import re
from typing import Any

from models import audit
from models.caller import Caller
from models.engine import write_transaction
from models.errors import Conflict, NotFound, UserError
from models.passwords import MIN_PASSWORD_LENGTH, hash_password
from models.tables import Organization, Person, RoleAssignment
from models.vocabulary import ORG_SCOPED_ROLES, ROLES, SENIORITIES

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_role(role: str, org_acronym: str | None) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}", field="role")
    if role in ORG_SCOPED_ROLES and not org_acronym:
        raise UserError(f"the role {role} needs an organization (--org ACRONYM)", field="organization")
    if role not in ORG_SCOPED_ROLES and org_acronym:
        raise UserError(
            f"the role {role} is not tied to an organization; leave out --org", field="organization"
        )


async def organization_by_acronym(acronym: str) -> dict[str, Any]:
    row = await Organization.select().where(Organization.acronym == acronym.strip()).first()
    if row is None:
        raise NotFound(f"no organization with acronym {acronym!r}", field="organization")
    return row


async def create_person(
    caller: Caller,
    *,
    email: str,
    name: str,
    password: str,
    role: str | None = None,
    org_acronym: str | None = None,
    job_title: str = "",
    seniority: str = "other",
) -> dict[str, Any]:
    """Create a person, optionally with one role; all or nothing."""
    email = normalize_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise UserError(f"{email!r} is not a valid email address", field="email")
    if not name.strip() or any(c in name for c in "\r\n"):
        raise UserError("name must be one line of text and not empty", field="name")
    if seniority not in SENIORITIES:
        raise UserError(
            f"unknown seniority {seniority!r}; choose one of: {', '.join(SENIORITIES)}", field="seniority"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    org = None
    if role is not None:
        check_role(role, org_acronym)
        if org_acronym:
            org = await organization_by_acronym(org_acronym)
    password_hash = hash_password(password)
    async with write_transaction():
        if await Person.exists().where(Person.email == email):
            raise Conflict(f"a person with email {email} already exists", field="email")
        person = Person(
            email=email,
            name=name.strip(),
            job_title=job_title.strip(),
            seniority=seniority,
            password_hash=password_hash,
        )
        await person.save()
        if role is not None:
            await RoleAssignment(person=person.id, role=role, organization=org["id"] if org else None).save()
        after = {
            "id": person.id,
            "email": email,
            "name": person.name,
            "role": role,
            "organization": org["acronym"] if org else None,
        }
        await audit.record(caller, "create", "person", person.id, None, after)
    return after
