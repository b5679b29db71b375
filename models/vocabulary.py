"""Allowed values of the enumerated columns, checked in one place by the API, pages and CLI.

Labels are English message ids (marked with N_): pages translate them for the reader; the JSON
API and the frozen snapshots keep the English.
"""

from models.words import N_

ROLES = ("secretariat", "focal_point", "champion", "peer_reviewer", "donor")
ORG_SCOPED_ROLES = ("focal_point", "champion", "peer_reviewer")
VISIBILITIES = ("internal", "peer", "donor", "public")
AUDIENCES = ("internal", "peer", "donor")
AREA_KEYS = ("champion", "policy", "capacity", "reporting", "budget")
ORG_TYPES = ("un_agency", "ngo", "consortium", "rcrc", "other")
ORG_TYPE_LABELS = {
    "un_agency": N_("UN agency"),
    "ngo": N_("NGO"),
    "consortium": N_("NGO consortium"),
    "rcrc": N_("Red Cross Red Crescent"),
    "other": N_("Other"),
}
SENIORITIES = ("head", "deputy", "director", "senior_manager", "technical", "other")
# A champion at one of these levels satisfies the "deputy level or above" rule of docs/design.md.
CHAMPION_SENIORITIES = ("head", "deputy")
MILESTONE_STATUSES = ("planned", "in_progress", "done", "dropped")
COMMITMENT_STATUSES = ("active", "completed", "dropped")
SUBMISSION_STATUSES = ("draft", "submitted", "approved", "returned", "published")
# A peer reviewer's view of an area's counted level, and how pages and sheets word it.
ASSESSMENT_LABELS = {
    "right": "Level looks right",
    "too_high": "Level looks too high",
    "too_low": "Level looks too low",
}
ASSESSMENTS = tuple(ASSESSMENT_LABELS)
REVIEW_ROUND_STATUSES = ("draft", "open", "closed")
LEVELS = {
    0: N_("Not started"),
    1: N_("Committed"),
    2: N_("In progress"),
    3: N_("In place"),
    4: N_("Institutionalized"),
}


def visibilities_for(audience: str) -> tuple[str, ...]:
    """Visibilities an audience may read: internal sees all; peer sees peer+; donor sees donor+."""
    if audience == "internal":
        return VISIBILITIES
    if audience == "peer":
        return ("peer", "donor", "public")
    if audience == "donor":
        return ("donor", "public")
    raise ValueError(f"unknown audience {audience!r}")
