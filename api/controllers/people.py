"""People and their roles (secretariat), and the donor group's expectations."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api.auth import CallerDep
from api.controllers import MAX_ID, IfMatch, PathId, expected_version, given, listed, shape, with_etag
from api.controllers.auth import refusals
from api.schemas.people import (
    ExpectationCreate,
    ExpectationRead,
    ExpectationStatusRead,
    ExpectationStatusSet,
    ExpectationUpdate,
    PersonCreate,
    PersonRead,
    PersonUpdate,
    RoleGrant,
)
from models.paging import ListOf, Paging
from models.services import expectations, people
from reminders import account_emails


class PeopleController(Controller):
    path = "/api/people"
    tags = ["people"]

    @get("/")
    async def list_people(
        self,
        caller: CallerDep,
        paging: Paging,
        organization_id: Annotated[int | None, Parameter(query="organization_id", ge=1, le=MAX_ID)] = None,
    ) -> ListOf[PersonRead]:
        """People by email; with `organization_id`, those holding a role in that organization."""
        return listed(await people.list_people(caller, organization_id, paging), PersonRead)

    @post("/")
    async def create_person(
        self, request: Request[Any, Any, Any], caller: CallerDep, data: JSONBody[PersonCreate]
    ) -> PersonRead:
        """Create a person, optionally with one role (organization-scoped roles need organization_id).

        Without `password` (the usual case) the person gets an invitation email with a link to set
        their password (single use, 7 days); they cannot sign in until then (`invitation`: pending)."""
        row = await account_emails.add_person(request.app.state.settings, caller, given(data))
        return shape(row, PersonRead)

    @post(
        "/{person_id:int}/invitation",
        status_code=HTTP_202_ACCEPTED,
        responses=refusals(
            s404="no such person", s409="the person already set a password, or is deactivated"
        ),
    )
    async def resend_invitation(
        self, request: Request[Any, Any, Any], caller: CallerDep, person_id: PathId
    ) -> PersonRead:
        """Send the invitation email again (a fresh 7-day link; earlier links keep working until used)."""
        row = await account_emails.resend_invitation(request.app.state.settings, caller, person_id)
        return shape(row, PersonRead)

    @get("/{person_id:int}")
    async def get_person(self, caller: CallerDep, person_id: PathId) -> Response[PersonRead]:
        return with_etag(await people.get_person(caller, person_id), PersonRead)

    @patch("/{person_id:int}")
    async def update_person(
        self, caller: CallerDep, person_id: PathId, data: JSONBody[PersonUpdate], if_match: IfMatch
    ) -> Response[PersonRead]:
        """Change a person; deactivating them or setting a password ends their sessions."""
        row = await people.update_person(caller, person_id, given(data), expected_version(if_match))
        return with_etag(row, PersonRead)

    @post("/{person_id:int}/roles")
    async def grant_role(self, caller: CallerDep, person_id: PathId, data: JSONBody[RoleGrant]) -> PersonRead:
        return shape(await people.add_role(caller, person_id, data.role, data.organization_id), PersonRead)

    @delete("/{person_id:int}/roles/{role_id:int}", status_code=HTTP_200_OK)
    async def revoke_role(self, caller: CallerDep, person_id: PathId, role_id: PathId) -> PersonRead:
        return shape(await people.remove_role(caller, person_id, role_id), PersonRead)


class ExpectationController(Controller):
    path = "/api"
    tags = ["donor expectations"]

    @get("/donor-expectations")
    async def list_expectations(self, paging: Paging) -> ListOf[ExpectationRead]:
        """The donor group's current expectations."""
        return listed(await expectations.list_expectations(paging=paging), ExpectationRead)

    @post("/donor-expectations")
    async def create_expectation(
        self, caller: CallerDep, data: JSONBody[ExpectationCreate]
    ) -> ExpectationRead:
        return shape(await expectations.create_expectation(caller, given(data)), ExpectationRead)

    @patch("/donor-expectations/{expectation_id:int}")
    async def update_expectation(
        self,
        caller: CallerDep,
        expectation_id: PathId,
        data: JSONBody[ExpectationUpdate],
        if_match: IfMatch,
    ) -> Response[ExpectationRead]:
        row = await expectations.update_expectation(
            caller, expectation_id, given(data), expected_version(if_match)
        )
        return with_etag(row, ExpectationRead)

    @get("/organizations/{org_id:int}/donor-expectations")
    async def organization_statuses(
        self, caller: CallerDep, org_id: PathId, paging: Paging
    ) -> ListOf[ExpectationStatusRead]:
        """Which of the current expectations the organization meets, and since when; outside the
        organization, as of its latest publication."""
        page = await expectations.statuses_for_organization(caller, org_id, paging)
        return listed(page, ExpectationStatusRead)

    @put("/organizations/{org_id:int}/donor-expectations/{expectation_id:int}")
    async def set_status(
        self,
        caller: CallerDep,
        org_id: PathId,
        expectation_id: PathId,
        data: JSONBody[ExpectationStatusSet],
    ) -> ExpectationStatusRead:
        row = await expectations.set_status(caller, org_id, expectation_id, data.met, data.since)
        return shape(row, ExpectationStatusRead)
