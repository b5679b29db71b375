"""Areas (secretariat): the areas in order with their weights and rubrics, edited or added here.

The same services as `PATCH /api/areas/{area_key}` and `POST /api/areas`: a change is audited and
version-checked, and an added area is scored from the next cycle opened (docs/design.md, "The
areas"). The rubric's texts are one line each; line breaks typed in a box are read as spaces.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.errors import PageController
from api.pages.forms import version_of
from api.pages.render import read_form, redirect, refusal, render
from models.caller import Caller
from models.errors import UserError
from models.services import areas as area_service
from models.vocabulary import LEVELS
from models.words import gettext

FIELDS = ("name", "weight", "descriptor")


def rubric_field(level: int) -> str:
    return f"rubric_{level}"


def area_form(area: dict[str, Any]) -> dict[str, str]:
    """An area as the form's text fields."""
    form = {name: str(area[name]) for name in (*FIELDS, "version")}
    form.update({rubric_field(level): area["rubric"].get(str(level), "") for level in LEVELS})
    return form


def area_changes(form: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the service's changes (what the API's JSON body would carry)."""
    changes: dict[str, Any] = {name: form.get(name, "") for name in FIELDS}
    changes["rubric"] = {str(level): " ".join(form.get(rubric_field(level), "").split()) for level in LEVELS}
    return changes


class AdminAreaPages(PageController):
    path = "/admin/areas"

    @get("/")
    async def areas(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return render(
            request,
            caller,
            "admin/areas.html.jinja",
            areas=(await area_service.list_areas()).items,
            first_cycles=await area_service.first_cycles(),
        )

    async def _form(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        form: dict[str, str],
        area: dict[str, Any] | None = None,
        exc: UserError | None = None,
    ) -> Template:
        return render(
            request,
            caller,
            "admin/area_form.html.jinja",
            **refusal(exc),
            area=area,
            form=form,
            rubric_fields=[(level, rubric_field(level)) for level in LEVELS],
        )

    @get("/new")
    async def new_area(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return await self._form(request, caller, {"weight": "1.0"})

    @post("/new")
    async def create_area(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        form = await read_form(request)
        try:
            area = await area_service.create_area(caller, {"key": form.get("key", ""), **area_changes(form)})
        except UserError as exc:
            return await self._form(request, caller, form, exc=exc)
        return redirect(
            request,
            "/admin/areas",
            gettext("%(name)s added: it is scored from the next cycle opened.", name=area["name"]),
        )

    @get("/{area_key:str}/edit")
    async def edit_area(self, request: Request[Any, Any, Any], caller: Caller, area_key: str) -> Template:
        area = await area_service.get_area(area_key)
        return await self._form(request, caller, area_form(area), area)

    @post("/{area_key:str}/edit")
    async def save_area(
        self, request: Request[Any, Any, Any], caller: Caller, area_key: str
    ) -> Template | Redirect:
        area = await area_service.get_area(area_key)
        form = await read_form(request)
        try:
            saved = await area_service.update_area(caller, area_key, area_changes(form), version_of(form))
        except UserError as exc:
            return await self._form(request, caller, form, area, exc)
        return redirect(request, "/admin/areas", gettext("%(name)s saved.", name=saved["name"]))
