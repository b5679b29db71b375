"""The words of the domain, each written once: roles, visibilities, audiences, statuses.

The enums are for code that names one value (`Role.SECRETARIAT`); the tuples of plain values
derived from them are what the API, the pages and the CLI check input against and list in their
messages. Area keys are not here: they are rows of the `area` table (seeded by a migration), and a
published snapshot keeps the areas it was frozen with. Labels are English message ids (marked with
N_): pages translate them for the reader; the JSON API and the frozen snapshots keep the English.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from models.words import LEVEL_NAMES, N_


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"
    CHAMPION = "champion"
    PEER_REVIEWER = "peer_reviewer"
    DONOR = "donor"


class Visibility(StrEnum):
    INTERNAL = "internal"
    PEER = "peer"
    DONOR = "donor"
    PUBLIC = "public"


class Audience(StrEnum):
    """Who reads: the organization itself (and the secretariat), its peers, or donors."""

    INTERNAL = "internal"
    PEER = "peer"
    DONOR = "donor"


class MilestoneStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class CommitmentStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"


class SubmissionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    PUBLISHED = "published"


class ChampionGap(StrEnum):
    """Why an organization fails the senior-champion rule (docs/design.md "Maturity levels and the evidence rules")."""

    MISSING = "missing"
    BELOW_DEPUTY = "below_deputy"


def values(kind: Iterable[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in kind)


ROLES = values(Role)
ORG_SCOPED_ROLES = values((Role.FOCAL_POINT, Role.CHAMPION, Role.PEER_REVIEWER))
VISIBILITIES = values(Visibility)
AUDIENCES = values(Audience)
MILESTONE_STATUSES = values(MilestoneStatus)
OPEN_MILESTONE_STATUSES = values((MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS))
COMMITMENT_STATUSES = values(CommitmentStatus)
# Not yet handed in: the focal points may still submit, and the reminders still ask them to.
NOT_SUBMITTED_STATUSES = values((SubmissionStatus.DRAFT, SubmissionStatus.RETURNED))
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
SUBMISSION_STATUSES = values(SubmissionStatus)
# A peer reviewer's view of an area's counted level, and how pages and sheets word it.
ASSESSMENT_LABELS = {
    "right": "Level looks right",
    "too_high": "Level looks too high",
    "too_low": "Level looks too low",
}
ASSESSMENTS = tuple(ASSESSMENT_LABELS)
REVIEW_ROUND_STATUSES = ("draft", "open", "closed")
# The levels 0 to 4 and their English names, written in models/words.py, whose `level_name` names a
# level in the reader's language.
LEVELS = LEVEL_NAMES


def champion_gap(champion_seniorities: Iterable[str | None]) -> str | None:
    """Why an organization fails the senior-champion rule ("missing", "below_deputy") or None.

    The reminders' monthly alert and the scorecard's champion cap both ask here."""
    seniorities = list(champion_seniorities)
    if not seniorities:
        return ChampionGap.MISSING.value
    if not any(s in CHAMPION_SENIORITIES for s in seniorities):
        return ChampionGap.BELOW_DEPUTY.value
    return None


# Internal sees all; peer sees peer and wider; donor sees donor and public.
_READABLE = {
    Audience.INTERNAL.value: VISIBILITIES,
    Audience.PEER.value: values((Visibility.PEER, Visibility.DONOR, Visibility.PUBLIC)),
    Audience.DONOR.value: values((Visibility.DONOR, Visibility.PUBLIC)),
}


def visibilities_for(audience: str) -> tuple[str, ...]:
    """The visibilities an audience may read."""
    try:
        return _READABLE[audience]
    except KeyError:
        raise ValueError(f"unknown audience {audience!r}") from None


# Emails (docs/design.md "Batched emails"). How a person's reminders reach them:
EMAIL_FREQUENCIES = ("immediate", "daily", "weekly")
# Rules nobody may turn off: an escalation, the champion-gap alert, and what a champion must sign.
ESSENTIAL_RULES = frozenset({"escalation", "champion_gap", "awaiting_signoff", "report_submitted"})
# The rules a person may turn off, in the order the account page lists them.
MUTABLE_RULES = (
    "milestone_due_soon",
    "milestone_overdue",
    "stale_commitment",
    "submission_due",
    "submission_late",
    "report_returned",
    "report_approved",
    "report_published",
    "evidence_verified",
    "evidence_rejected",
    "expectation_confirmed",
    "expectation_questioned",
    "review_due",
    "review_overdue",
    "review_submitted",
    "reply_due",
    "review_round_progress",
)
# An organization's answer to a donor expectation, and the secretariat's review of it.
EXPECTATION_ANSWER_LABELS = {
    "met": N_("Met"),
    "partly": N_("Partly"),
    "not_yet": N_("Not yet"),
    "not_applicable": N_("Not applicable"),
}
EXPECTATION_ANSWERS = tuple(EXPECTATION_ANSWER_LABELS)
ANSWER_REVIEW_LABELS = {
    "pending": N_("Awaiting the secretariat"),
    "confirmed": N_("Confirmed"),
    "questioned": N_("Questioned"),
}
