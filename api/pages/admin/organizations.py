"""Organizations (secretariat): find one among many, add one, change its name, type or status."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.admin import page_base, page_number_of, page_of
from api.pages.errors import PageController
from api.pages.forms import page_number, version_of
from api.pages.render import read_form, redirect, refusal, render
from models.caller import Caller
from models.errors import UserError
from models.services import organizations as organization_service
from models.vocabulary import ORG_TYPE_LABELS, ORG_TYPES
from models.words import gettext


def type_options() -> list[tuple[str, str]]:
    return [(key, gettext(ORG_TYPE_LABELS[key])) for key in ORG_TYPES]


def organization_data(form: dict[str, str]) -> dict[str, Any]:
    return {
        "name": form.get("name", ""),
        "acronym": form.get("acronym", ""),
        "org_type": form.get("org_type", ""),
        "time_zone": form.get("time_zone", "") or "UTC",
        "active": form.get("active") == "on",
        "aliases": form.get("aliases", ""),
    }


class AdminOrganizationPages(PageController):
    path = "/admin/organizations"

    @get("/")
    async def organizations(
        self, request: Request[Any, Any, Any], caller: Caller, q: str = "", type: str = "", page: str = "1"
    ) -> Template:
        found = await page_of(
            lambda paging: organization_service.list_organizations(
                caller, include_inactive=True, paging=paging, search=q, org_type=type
            ),
            page_number(page),
        )
        return render(
            request,
            caller,
            "admin/organizations.html.jinja",
            organizations=found.items,
            total=found.total,
            page=page_number_of(found),
            pages=found.pages,
            base=page_base("/admin/organizations", q=q, type=type),
            q=q,
            type=type,
            types=type_options(),
        )

    async def _form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        form: dict[str, str],
        org: dict[str, Any] | None = None,
        exc: UserError | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "admin/organization_form.html.jinja",
            **refusal(exc),
            org=org,
            types=type_options(),
            form=form,
        )

    @get("/new")
    async def new_organization(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return await self._form(request, caller, {"active": "on", "time_zone": "UTC"})

    @post("/new")
    async def create_organization(
        self, request: Request[Any, Any, Any], caller: Caller
    ) -> Template | Redirect:
        form = await read_form(request)
        try:
            org = await organization_service.create_organization(caller, organization_data(form))
        except UserError as exc:
            return await self._form(request, caller, form, exc=exc)
        return redirect(request, f"/admin/organizations?q={org['acronym']}", f"{org['acronym']} added.")

    @get("/{org_id:int}/edit")
    async def edit_organization(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int
    ) -> Template:
        org = await organization_service.get_organization(caller, org_id)
        form = {
            key: str(org[key]) for key in ("name", "acronym", "org_type", "time_zone", "aliases", "version")
        }
        form["active"] = "on" if org["active"] else ""
        return await self._form(request, caller, form, org)

    @post("/{org_id:int}/edit")
    async def save_organization(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int
    ) -> Template | Redirect:
        org = await organization_service.get_organization(caller, org_id)
        form = await read_form(request)
        try:
            saved = await organization_service.update_organization(
                caller, org_id, organization_data(form), version_of(form)
            )
        except UserError as exc:
            return await self._form(request, caller, form, org, exc)
        return redirect(request, f"/admin/organizations?q={saved['acronym']}", f"{saved['acronym']} saved.")
