"""People and their role assignments."""

from __future__ import annotations

import re
from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, fetch_page, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.passwords import MIN_PASSWORD_LENGTH, hash_password
from models.services.common import (
    changed_fields,
    check_version,
    choice,
    containing,
    one_line,
    organization_row,
    update_versioned,
)
from models.tables import Organization, Person, RoleAssignment
from models.vocabulary import ORG_SCOPED_ROLES, ROLES, SENIORITIES
from models.words import N_, without_bidi_controls

NO_PERSON = N_("no person with id %(person_id)s")
UNKNOWN_ROLE = N_("unknown role %(role)r; choose one of: %(roles)s")
UNKNOWN_SENIORITY = N_("unknown seniority %(seniority)r; choose one of: %(seniorities)s")
SENIORITY_ONE_OF = N_("seniority must be one of: %(seniorities)s")

EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_role(role: str, org_acronym: str | None) -> None:
    choice(role, ROLES, "role", UNKNOWN_ROLE, listed="roles", got="role")
    if role in ORG_SCOPED_ROLES and not org_acronym:
        raise UserError(
            N_("the role %(role)s needs an organization (--org ACRONYM)"), field="organization", role=role
        )
    if role not in ORG_SCOPED_ROLES and org_acronym:
        raise UserError(
            N_("the role %(role)s is not tied to an organization; leave out --org"),
            field="organization",
            role=role,
        )


async def organization_by_acronym(acronym: str) -> dict[str, Any]:
    row = await Organization.select().where(Organization.acronym == acronym.strip()).first()
    if row is None:
        raise NotFound(N_("no organization with acronym %(acronym)r"), field="organization", acronym=acronym)
    return row


async def create_person(
    caller: Caller,
    *,
    email: str,
    name: str,
    password: str | None,
    role: str | None = None,
    org_acronym: str | None = None,
    job_title: str = "",
    seniority: str = "other",
) -> dict[str, Any]:
    """Create a person, optionally with one role; all or nothing. Without a password the person
    cannot sign in until they set one from their invitation (docs/design.md "Invitations and
    password reset")."""
    email = normalize_email(email)
    if not EMAIL_RE.fullmatch(email) or len(email) > 254:
        raise UserError(N_("%(email)r is not a valid email address"), field="email", email=email)
    name, job_title = without_bidi_controls(name), without_bidi_controls(job_title)
    if not name.strip() or any(c in name for c in "\r\n"):
        raise UserError(N_("name must be one line of text and not empty"), field="name")
    choice(seniority, SENIORITIES, "seniority", UNKNOWN_SENIORITY, listed="seniorities", got="seniority")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            N_("the password must have at least %(min_password_length)s characters"),
            field="password",
            min_password_length=MIN_PASSWORD_LENGTH,
        )
    org = None
    if role is not None:
        check_role(role, org_acronym)
        if org_acronym:
            org = await organization_by_acronym(org_acronym)
    password_hash = hash_password(password) if password is not None else ""
    async with write_transaction():
        if await Person.exists().where(Person.email == email):
            raise Conflict(N_("a person with email %(email)s already exists"), field="email", email=email)
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


# --- the secretariat's directory ------------------------------------------------------------

PERSON_COLUMNS = (
    "id, email, name, job_title, seniority, active, weekly_digest, email_frequency, version, created_at"
)


def weekly_choice(weekly: bool, frequency: str) -> dict[str, Any]:
    """The secretariat's "weekly digest" switch on a person, as the person's email frequency (the
    one setting the reminders read, docs/design.md "Batched emails"): on is weekly; off turns a
    weekly person back to the daily default and leaves an immediate one as they chose."""
    if weekly:
        return {"weekly_digest": True, "email_frequency": "weekly"}
    return {"weekly_digest": False, "email_frequency": "daily" if frequency == "weekly" else frequency}


def check_secretariat(caller: Caller) -> None:
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat manages people and roles"))


async def _roles_of(person_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not person_ids:
        return {}
    placeholders = ", ".join("{}" for _ in person_ids)
    rows = await fetch(
        "SELECT r.id AS id, r.person AS person, r.role AS role, r.organization AS organization_id, "
        f"o.acronym AS acronym FROM role_assignment r LEFT JOIN organization o ON o.id = r.organization "
        f"WHERE r.person IN ({placeholders}) ORDER BY r.id",
        *person_ids,
    )
    roles: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        roles.setdefault(int(row["person"]), []).append(row)
    return roles


async def register_person(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """The secretariat creates a person (optionally with one role) from the API or the pages."""
    check_secretariat(caller)
    org_id = data.pop("organization_id", None)
    acronym = None
    if org_id is not None:
        acronym = (await organization_row(org_id, "organization_id"))["acronym"]
    data.setdefault("password", None)
    created = await create_person(caller, org_acronym=acronym, **data)
    return await get_person(caller, int(created["id"]))


async def invitation_state(person_ids: list[int]) -> dict[int, str]:
    """For each person without a password: "pending" while their invitation waits to be sent or its
    link is live, else "expired" (run out, or never delivered); people with a password are left out."""
    if not person_ids:
        return {}
    marks = ", ".join("{}" for _ in person_ids)
    waiting = await fetch(
        f"SELECT p.id FROM person p WHERE p.id IN ({marks}) AND p.password_hash = '' AND (EXISTS "
        "(SELECT 1 FROM account_token t WHERE t.person = p.id AND t.purpose = 'invitation' "
        "AND t.used_at IS NULL AND t.expires_at > {}) OR EXISTS (SELECT 1 FROM reminder r "
        "WHERE r.recipient = p.id AND r.rule = 'invitation' AND r.status IN ('queued', 'sending')))",
        *person_ids,
        utcnow(),
    )
    without = await fetch(f"SELECT id FROM person WHERE id IN ({marks}) AND password_hash = ''", *person_ids)
    pending = {int(row["id"]) for row in waiting}
    return {int(row["id"]): "pending" if int(row["id"]) in pending else "expired" for row in without}


async def list_people(
    caller: Caller, org_id: int | None = None, paging: Paging = EVERYTHING, search: str = ""
) -> Page[dict[str, Any]]:
    """People by email; with `org_id` those holding a role there, with `search` those whose name,
    email or job title contains it."""
    check_secretariat(caller)
    clauses, args = ["1 = 1"], []
    if org_id is not None:
        clauses.append("id IN (SELECT person FROM role_assignment WHERE organization = {})")
        args.append(org_id)
    if search.strip():
        condition, values = containing(("name", "email", "job_title"), search)
        clauses.append(condition)
        args += values
    page = await fetch_page(
        f"SELECT {PERSON_COLUMNS} FROM person WHERE {' AND '.join(clauses)}",
        "email, id",
        *args,
        paging=paging,
    )
    roles = await _roles_of([int(r["id"]) for r in page.items])
    invited = await invitation_state([int(r["id"]) for r in page.items])
    return page.map(
        lambda row: {**row, "roles": roles.get(int(row["id"]), []), "invitation": invited.get(int(row["id"]))}
    )


async def get_person(caller: Caller, person_id: int) -> dict[str, Any]:
    check_secretariat(caller)
    row = await one_or_not_found(
        f"SELECT {PERSON_COLUMNS} FROM person WHERE id = {{}}",
        person_id,
        missing=NO_PERSON,
        person_id=person_id,
    )
    invited = await invitation_state([person_id])
    return {
        **row,
        "roles": (await _roles_of([person_id])).get(person_id, []),
        "invitation": invited.get(person_id),
    }


async def update_person(
    caller: Caller, person_id: int, changes: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    check_secretariat(caller)
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = one_line(changes["name"], "name", 200)
    if "job_title" in changes:
        clean["job_title"] = one_line(changes["job_title"], "job_title", 200, required=False)
    if "seniority" in changes:
        seniority = changes["seniority"]
        clean["seniority"] = choice(
            seniority, SENIORITIES, "seniority", SENIORITY_ONE_OF, listed="seniorities"
        )
    if "active" in changes:
        clean["active"] = bool(changes["active"])
    if "password" in changes:
        if len(changes["password"]) < MIN_PASSWORD_LENGTH:
            raise UserError(
                N_("the password must have at least %(min_password_length)s characters"),
                field="password",
                min_password_length=MIN_PASSWORD_LENGTH,
            )
        clean["password_hash"] = hash_password(changes["password"])
    async with write_transaction():
        before = await get_person(caller, person_id)
        check_version(before, expected_version, "person")
        if "weekly_digest" in changes:
            clean.update(weekly_choice(bool(changes["weekly_digest"]), before["email_frequency"]))
        changed = changed_fields(before, clean)
        if changed:
            await update_versioned(Person, person_id, expected_version, changed, "person")
            shown = {k: ("(changed)" if k == "password_hash" else v) for k, v in changed.items()}
            await audit.record(
                caller, "update", "person", person_id, {k: before.get(k) for k in changed}, shown
            )
            if "password_hash" in changed or changed.get("active") is False:
                await end_access(person_id)
    return await get_person(caller, person_id)


async def end_access(person_id: int, keep_session_hash: str = "") -> int:
    """After a password change or a deactivation, in its write transaction: end every session of
    the person but the one kept, and spend every open emailed link of theirs (invitation and
    reset), so no link sent before can set the password again (docs/design.md "Invitations and
    password reset"). Returns how many sessions ended."""
    await fetch(
        "UPDATE account_token SET used_at = {} WHERE person = {} AND used_at IS NULL", utcnow(), person_id
    )
    ended = await fetch(
        "DELETE FROM login_session WHERE person = {} AND token_hash <> {} RETURNING id",
        person_id,
        keep_session_hash,
    )
    return len(ended)


async def add_role(caller: Caller, person_id: int, role: str, org_id: int | None) -> dict[str, Any]:
    check_secretariat(caller)
    acronym = None
    if org_id is not None:
        acronym = (await organization_row(org_id, "organization_id"))["acronym"]
    check_role(role, acronym)
    async with write_transaction():
        await get_person(caller, person_id)
        existing = await fetch(
            "SELECT id FROM role_assignment WHERE person = {} AND role = {} AND COALESCE(organization, 0) = {}",
            person_id,
            role,
            org_id or 0,
        )
        if existing:
            raise Conflict(N_("the person already holds this role"), field="role")
        assignment = RoleAssignment(person=person_id, role=role, organization=org_id)
        await assignment.save()
        await audit.record(
            caller,
            "grant",
            "role_assignment",
            assignment.id,
            None,
            {"person": person_id, "role": role, "organization": acronym},
        )
    return await get_person(caller, person_id)


async def remove_role(caller: Caller, person_id: int, role_id: int) -> dict[str, Any]:
    check_secretariat(caller)
    async with write_transaction():
        before = await one_or_not_found(
            "SELECT id, role, organization FROM role_assignment WHERE id = {} AND person = {}",
            role_id,
            person_id,
            missing=N_("person %(person_id)s has no role assignment %(role_id)s"),
            person_id=person_id,
            role_id=role_id,
        )
        await RoleAssignment.delete().where(RoleAssignment.id == role_id)
        await audit.record(caller, "revoke", "role_assignment", role_id, before, None)
    return await get_person(caller, person_id)
