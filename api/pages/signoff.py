"""The champion's queue: reports submitted and waiting for sign-off, oldest first."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.pages.errors import PageController
from api.pages.render import render
from models.caller import Caller
from models.services import submissions as submission_service


class SignOffPage(PageController):
    @get("/sign-off")
    async def queue(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return render(
            request,
            caller,
            "sign_off.html.jinja",
            waiting=(await submission_service.champion_queue(caller)).items,
        )
