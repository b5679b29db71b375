"""Each role's home page."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template


class HomePage(Controller):
    include_in_schema = False

    @get("/")
    async def home(self) -> Template:
        return Template(template_name="home.html.jinja", context={})
