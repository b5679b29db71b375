"""Organizations and areas."""

from __future__ import annotations

from litestar import Controller, Response, get, patch, post
from litestar.params import JSONBody

from api.auth import CallerDep
from api.controllers import IfMatch, PathId, PathText, expected_version, given, listed, shape, with_etag
from api.schemas.organizations import (
    AreaCreate,
    AreaRead,
    AreaUpdate,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
)
from models.paging import ListOf, Paging
from models.services import areas, organizations


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]

    @get("/")
    async def list_organizations(self, caller: CallerDep, paging: Paging) -> ListOf[OrganizationRead]:
        """Active organizations by acronym, with the audience at which the caller reads each."""
        return listed(await organizations.list_organizations(caller, paging=paging), OrganizationRead)

    @post("/")
    async def create_organization(
        self, caller: CallerDep, data: JSONBody[OrganizationCreate]
    ) -> OrganizationRead:
        return shape(await organizations.create_organization(caller, given(data)), OrganizationRead)

    @get("/{org_id:int}")
    async def get_organization(self, caller: CallerDep, org_id: PathId) -> Response[OrganizationRead]:
        return with_etag(await organizations.get_organization(caller, org_id), OrganizationRead)

    @patch("/{org_id:int}")
    async def update_organization(
        self, caller: CallerDep, org_id: PathId, data: JSONBody[OrganizationUpdate], if_match: IfMatch
    ) -> Response[OrganizationRead]:
        row = await organizations.update_organization(caller, org_id, given(data), expected_version(if_match))
        return with_etag(row, OrganizationRead)


class AreaController(Controller):
    path = "/api/areas"
    tags = ["areas"]

    @get("/")
    async def list_areas(self, paging: Paging) -> ListOf[AreaRead]:
        return listed(await areas.list_areas(paging), AreaRead)

    @post("/")
    async def create_area(self, caller: CallerDep, data: JSONBody[AreaCreate]) -> AreaRead:
        """Add an area (secretariat); it is scored from the next cycle opened, older cycles keep theirs."""
        return shape(await areas.create_area(caller, given(data)), AreaRead)

    @patch("/{area_key:str}")
    async def update_area(
        self, caller: CallerDep, area_key: PathText, data: JSONBody[AreaUpdate], if_match: IfMatch
    ) -> Response[AreaRead]:
        """Change an area's weight in the internalization index, its name, text or rubric (secretariat)."""
        row = await areas.update_area(caller, area_key, given(data), expected_version(if_match))
        return with_etag(row, AreaRead)
