"""The server-rendered pages: one module per audience, on top of the same services as the API.

`page_handlers()` is what `api/routes.py` serves; `PAGE_ACCESS` is each page route's line in the
route x role table of `api.access` (services check the organization of each record again).
"""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

MEMBERS = "secretariat focal_point champion"  # an organization's own people, and the secretariat
EDITORS = "secretariat focal_point"
ORG = "/organizations/{org_id}"
COMMITMENT = ORG + "/commitments/{commitment_id}"
SUBMISSION = ORG + "/submissions/{cycle}"

PAGE_ACCESS: dict[str, str] = {
    "GET /static/{file_path}": "anyone",
    "GET /published": "signed_in",
    "GET /sign-off": "secretariat champion",
    f"GET {ORG}": MEMBERS,
    f"GET {ORG}/commitments/new": EDITORS,
    f"POST {ORG}/commitments/new": EDITORS,
    f"GET {COMMITMENT}": MEMBERS,
    f"GET {COMMITMENT}/edit": EDITORS,
    f"POST {COMMITMENT}/edit": EDITORS,
    f"GET {COMMITMENT}/milestones/new": EDITORS,
    f"POST {COMMITMENT}/milestones/new": EDITORS,
    f"GET {ORG}/milestones/{{milestone_id}}/edit": EDITORS,
    f"POST {ORG}/milestones/{{milestone_id}}/edit": EDITORS,
    f"POST {ORG}/milestones/{{milestone_id}}/done": EDITORS,
    f"GET {ORG}/import": EDITORS,
    f"POST {ORG}/import": EDITORS,
    f"POST {ORG}/import/confirm": EDITORS,
    f"GET {COMMITMENT}/updates/new": EDITORS,
    f"POST {COMMITMENT}/updates/new": EDITORS,
    f"GET {SUBMISSION}": MEMBERS,
    f"POST {SUBMISSION}/submit": "focal_point",
    f"POST {SUBMISSION}/approve": "champion",
    f"POST {SUBMISSION}/return": "champion",
    f"GET {SUBMISSION}/publish": "secretariat",
    f"POST {SUBMISSION}/publish": "secretariat",
    f"POST {SUBMISSION}/comments": MEMBERS,
    f"POST {SUBMISSION}/assessments/{{area_key}}": EDITORS,
    "GET /admin/organizations": "secretariat",
    "GET /admin/organizations/new": "secretariat",
    "POST /admin/organizations/new": "secretariat",
    "GET /admin/organizations/{org_id}/edit": "secretariat",
    "POST /admin/organizations/{org_id}/edit": "secretariat",
    "GET /admin/people": "secretariat",
    "GET /admin/people/new": "secretariat",
    "POST /admin/people/new": "secretariat",
    "GET /admin/people/{person_id}": "secretariat",
    "POST /admin/people/{person_id}": "secretariat",
    "POST /admin/people/{person_id}/roles": "secretariat",
    "POST /admin/people/{person_id}/invitation": "secretariat",
    "POST /admin/people/{person_id}/roles/{role_id}/remove": "secretariat",
    "GET /admin/cycles": "secretariat",
    "POST /admin/cycles": "secretariat",
    "GET /admin/cycles/{cycle}": "secretariat",
    "POST /admin/cycles/{cycle}/publish-approved": "secretariat",
    "GET /admin/evidence": "secretariat",
    "POST /admin/evidence/{evidence_id}/verify": "secretariat",
    "POST /admin/evidence/{evidence_id}/reject": "secretariat",
    "POST /admin/evidence/assessment/{evidence_id}/decision": "secretariat",
    "GET /admin/areas": "secretariat",
    "GET /admin/areas/new": "secretariat",
    "POST /admin/areas/new": "secretariat",
    "GET /admin/areas/{area_key}/edit": "secretariat",
    "POST /admin/areas/{area_key}/edit": "secretariat",
    "GET /admin/reminders": "secretariat",
    "POST /admin/reminders/{reminder_id}/retry": "secretariat",
}


def page_handlers() -> list[ControllerRouterHandler]:
    from litestar.static_files import create_static_files_router

    from api.access import allow
    from api.pages.account import ACCOUNT_PAGE_ACCESS, AccountPages
    from api.pages.account_links import ACCOUNT_LINK_PAGE_ACCESS, AccountLinkPages
    from api.pages.admin.areas import AdminAreaPages
    from api.pages.admin.cycles import AdminCyclePages
    from api.pages.admin.evidence import AdminEvidencePages
    from api.pages.admin.organizations import AdminOrganizationPages
    from api.pages.admin.people import AdminPeoplePages
    from api.pages.admin.reminders import AdminReminderPages
    from api.pages.commitments import CommitmentPages
    from api.pages.dashboard import DashboardPage
    from api.pages.donors import DONOR_PAGE_ACCESS, DonorDashboardPage
    from api.pages.expectations import EXPECTATION_PAGE_ACCESS, AdminExpectationPages, ExpectationAnswerPages
    from api.pages.home import HomePage
    from api.pages.login import LoginPages
    from api.pages.plans import PlanImportPages
    from api.pages.published import PublishedPage
    from api.pages.render import STATIC_DIR
    from api.pages.reviews import REVIEW_PAGE_ACCESS, AdminReviewRoundPages, ReviewPages
    from api.pages.signoff import SignOffPage
    from api.pages.submissions import SubmissionPages
    from api.pages.updates import UpdatePages

    allow(PAGE_ACCESS)
    allow(REVIEW_PAGE_ACCESS)
    allow(ACCOUNT_PAGE_ACCESS)
    allow(ACCOUNT_LINK_PAGE_ACCESS)
    allow(EXPECTATION_PAGE_ACCESS)
    allow(DONOR_PAGE_ACCESS)
    return [
        create_static_files_router(path="/static", directories=[STATIC_DIR]),
        HomePage,
        LoginPages,
        AccountPages,
        AccountLinkPages,
        DashboardPage,
        CommitmentPages,
        PlanImportPages,
        UpdatePages,
        SubmissionPages,
        SignOffPage,
        PublishedPage,
        AdminOrganizationPages,
        AdminPeoplePages,
        AdminCyclePages,
        AdminAreaPages,
        AdminEvidencePages,
        AdminReminderPages,
        ReviewPages,
        AdminReviewRoundPages,
        AdminExpectationPages,
        ExpectationAnswerPages,
        DonorDashboardPage,
    ]
