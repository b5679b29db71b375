"""People and roles (secretariat): find a person, add one, change details, grant and revoke roles."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.admin import page_base, page_number_of, page_of
from api.pages.errors import PageController
from api.pages.forms import optional_int, page_number, version_of
from api.pages.login import safe_next
from api.pages.render import read_form, redirect, refusal, render
from models.caller import Caller
from models.errors import UserError
from models.services import organizations as organization_service
from models.services import people as people_service
from models.vocabulary import ORG_SCOPED_ROLES, ROLES, SENIORITIES
from models.words import N_, gettext, role_label, seniority_label, sentence
from reminders import account_emails


def role_options() -> list[tuple[str, str]]:
    return [(role, role_label(role).capitalize()) for role in ROLES]


def seniority_options() -> list[tuple[str, str]]:
    return [(value, seniority_label(value)) for value in SENIORITIES]


async def organization_options(caller: Caller) -> list[tuple[int, str]]:
    rows = (await organization_service.list_organizations(caller)).items
    return [(int(row["id"]), f"{row['acronym']} · {row['name']}") for row in rows]


def role_and_organization(form: dict[str, str]) -> tuple[str, int | None]:
    role = form.get("role", "")
    org_id = optional_int(form, "organization_id", "organization")
    if role in ORG_SCOPED_ROLES and org_id is None:
        raise UserError(
            N_("the role %(value)s needs an organization"),
            field="organization_id",
            value=role.replace("_", " "),
        )
    return role, org_id if role in ORG_SCOPED_ROLES else None


class AdminPeoplePages(PageController):
    path = "/admin/people"

    @get("/")
    async def people(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        q: str = "",
        organization: str = "",
        page: str = "1",
    ) -> Template:
        org_id = int(organization) if organization.isdigit() else None
        found = await page_of(
            lambda paging: people_service.list_people(caller, org_id, paging, search=q), page_number(page)
        )
        return render(
            request,
            caller,
            "admin/people.html.jinja",
            people=found.items,
            total=found.total,
            page=page_number_of(found),
            pages=found.pages,
            base=page_base("/admin/people", q=q, organization=organization),
            q=q,
            organization=org_id,
            organizations=await organization_options(caller),
        )

    async def _new_form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        form: dict[str, str],
        exc: UserError | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "admin/person_new.html.jinja",
            **refusal(exc),
            roles=role_options(),
            seniorities=seniority_options(),
            organizations=await organization_options(caller),
            form=form,
        )

    @get("/new")
    async def new_person(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return await self._new_form(request, caller, {"seniority": "other"})

    @post("/new")
    async def create_person(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        try:
            role, org_id = role_and_organization(form) if form.get("role") else (None, None)
            person = await account_emails.add_person(
                request.app.state.settings,
                caller,
                {
                    "email": form.get("email", ""),
                    "name": form.get("name", ""),
                    "job_title": form.get("job_title", ""),
                    "seniority": form.get("seniority", "other"),
                    "role": role,
                    "organization_id": org_id,
                },
            )
        except UserError as exc:
            return await self._new_form(request, caller, form, exc)
        message = gettext("%(name)s added; an invitation email is on its way.", name=person["name"])
        return redirect(request, f"/admin/people/{person['id']}", message)

    @post("/{person_id:int}/invitation")
    async def resend_invitation(
        self, request: Request[Any, Any, Any], caller: Caller, person_id: int
    ) -> Redirect:
        back = (
            safe_next(form_back) if (form_back := (await read_form(request)).get("back")) else "/admin/people"
        )
        try:
            person = await account_emails.resend_invitation(request.app.state.settings, caller, person_id)
        except UserError as exc:
            return redirect(request, back, sentence(exc.message), kind="error")
        return redirect(request, back, gettext("Invitation sent again to %(email)s.", email=person["email"]))

    async def _person_page(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        person_id: int,
        form: dict[str, str] | None = None,
        exc: UserError | None = None,
    ) -> Template:
        person = await people_service.get_person(caller, person_id)
        if form is None:
            form = {key: str(person[key]) for key in ("name", "job_title", "seniority", "version")}
            form["active"] = "on" if person["active"] else ""
            form["weekly_digest"] = "on" if person["weekly_digest"] else ""
        return render(
            request,
            caller,
            "admin/person.html.jinja",
            **refusal(exc),
            person=person,
            roles=role_options(),
            seniorities=seniority_options(),
            organizations=await organization_options(caller),
            form=form,
        )

    @get("/{person_id:int}")
    async def person(self, request: Request[Any, Any, Any], caller: Caller, person_id: int) -> Template:
        return await self._person_page(request, caller, person_id)

    @post("/{person_id:int}")
    async def save_person(
        self, request: Request[Any, Any, Any], caller: Caller, person_id: int
    ) -> Template | Redirect:
        form = await read_form(request)
        changes: dict[str, Any] = {
            "name": form.get("name", ""),
            "job_title": form.get("job_title", ""),
            "seniority": form.get("seniority", "other"),
            "active": form.get("active") == "on",
            "weekly_digest": form.get("weekly_digest") == "on",
        }
        if form.get("password"):
            changes["password"] = form["password"]
        try:
            await people_service.update_person(caller, person_id, changes, version_of(form))
        except UserError as exc:
            form.pop("password", None)
            return await self._person_page(request, caller, person_id, form, exc)
        return redirect(request, f"/admin/people/{person_id}", gettext("Saved."))

    @post("/{person_id:int}/roles")
    async def grant_role(self, request: Request[Any, Any, Any], caller: Caller, person_id: int) -> Redirect:
        form = await read_form(request)
        here = f"/admin/people/{person_id}"
        try:
            role, org_id = role_and_organization(form)
            await people_service.add_role(caller, person_id, role, org_id)
        except UserError as exc:
            return redirect(request, here, sentence(exc.message), kind="error")
        return redirect(request, here, gettext("Role %(role)s granted.", role=role_label(role)))

    @post("/{person_id:int}/roles/{role_id:int}/remove")
    async def revoke_role(
        self, request: Request[Any, Any, Any], caller: Caller, person_id: int, role_id: int
    ) -> Redirect:
        here = f"/admin/people/{person_id}"
        try:
            await people_service.remove_role(caller, person_id, role_id)
        except UserError as exc:
            return redirect(request, here, sentence(exc.message), kind="error")
        return redirect(request, here, gettext("Role removed."))
