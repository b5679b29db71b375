"""The server-rendered pages: one module per audience, on top of the same services as the API.

`page_handlers()` is what `api/routes.py` serves; `PAGE_ACCESS` is each page route's line in the
route x role table of `api.access` (services check the organization of each record again).
"""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

PAGE_ACCESS: dict[str, str] = {
    "GET /static/{file_path}": "anyone",
    "GET /published": "signed_in",
}


def page_handlers() -> list[ControllerRouterHandler]:
    from litestar.static_files import create_static_files_router

    from api.access import allow
    from api.pages.home import HomePage
    from api.pages.login import LoginPages
    from api.pages.render import STATIC_DIR

    allow(PAGE_ACCESS)
    return [
        create_static_files_router(path="/static", directories=[STATIC_DIR]),
        HomePage,
        LoginPages,
    ]
