"""Each role's home page: what waits for this person, and where to go next."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from api.pages.errors import PageController
from api.pages.render import redirect, render
from models.caller import Caller


class HomePage(PageController):
    @get("/")
    async def home(self, request: Request[Any, Any, Any], caller: Caller) -> Template | Redirect:
        if not caller.authenticated:
            return redirect(request, "/login")
        return render(request, caller, "home.html.jinja")
