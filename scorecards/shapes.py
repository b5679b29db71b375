"""Response shapes of the scorecards (msgspec Structs), shared by the JSON API and the pages.

The pages render from these Structs rather than from dictionaries: attribute access on a Struct
is a plain slot read in Jinja2, a dictionary lookup costs about twice as much. `ComparisonRow` is
built from the comparison frame's columns (see `scorecards.positions`), so the JSON rows and the
spreadsheet's Summary columns cannot drift apart.
"""

from __future__ import annotations

import functools

import msgspec

from models.paging import ListOf


class Shape(msgspec.Struct, kw_only=True):
    pass


class CycleRef(Shape):
    id: int
    name: str
    period_start: str
    period_end: str
    due_date: str


class OrganizationRef(Shape):
    id: int
    acronym: str
    name: str
    org_type: str
    org_type_label: str


class AreaWeight(Shape):
    key: str
    name: str
    weight: float


class Flag(Shape):
    key: str
    label: str


class EvidenceLink(Shape):
    url: str
    title: str
    verified: bool


class AreaScore(Shape):
    key: str
    name: str
    weight: float
    self_level: int
    level: int
    previous_level: int | None
    change: str | None
    has_evidence: bool
    verified: bool
    level_name: str
    self_level_name: str
    flags: list[Flag]
    narrative: str | None
    evidence: list[EvidenceLink]


class CommentRead(Shape):
    id: int
    area: str | None
    kind: str
    body: str
    author: str
    reply_to: int | None
    created_on: str


class AnswerLink(Shape):
    url: str
    title: str


class AnswerFile(Shape):
    """An evidence file of an answer: `url` downloads it; it is read at the note's visibility."""

    id: int
    url: str
    title: str
    file_name: str
    file_type: str
    file_size: int


class ExpectationAnswerItem(Shape):
    """One donor expectation and the organization's answer in the cycle, at the reader's audience:
    `state` is the answer once the secretariat confirmed it, else unconfirmed or not_answered."""

    id: int
    area: str | None
    text: str
    due_date: str | None
    wording_number: int
    answer: str | None
    review: str | None
    state: str
    answered_wording_number: int | None
    answered_wording: str | None
    note: str | None
    evidence: list[AnswerLink]
    files: list[AnswerFile] = []


class Figures(Shape):
    index: float
    previous_index: float | None
    index_change: float | None
    trend: str | None
    due_count: int
    on_time_share: float | None
    overdue: int
    median_days_late: float | None
    evidence_share: float | None
    verified_share: float | None
    expectations_met: int
    expectations_total: int
    champion_status: str


class AreaPosition(Shape):
    rank: int | None
    quartile: int | None
    median: float | None


class Position(Shape):
    rank: int | None
    quartile: int | None
    ranked: int
    median_index: float | None
    areas: dict[str, AreaPosition]


class HistoryPoint(Shape):
    cycle: str
    index: float


class ScorecardRead(Shape):
    """One organization's scorecard at the caller's audience."""

    version: int
    audience: str
    as_of: str
    organization: OrganizationRef
    cycle: CycleRef
    status: str
    published: bool
    figures: Figures
    flags: list[Flag]
    areas: list[AreaScore]
    comments: list[CommentRead]
    position: Position
    type_position: Position
    history: list[HistoryPoint]
    # Published on or before the last day of the cycle's period; older snapshots lack it (False).
    published_early: bool = False
    publication_note: str | None = None
    # Snapshots frozen before answers existed have none.
    expectations: list[ExpectationAnswerItem] = []
    # Closed peer-review rounds of this cycle, at the reader's audience; kept last so the frozen
    # card's JSON can be served as encoded once (`scorecards.cards.with_peer_review`).
    peer_review: list[PeerReviewEntry] = []


class PeerReviewReply(Shape):
    body: str
    visibility: str
    created_at: str


class PeerReviewComment(Shape):
    area: str
    area_name: str
    assessment: str  # right, too_high, too_low: whether the counted level looks right
    strengths: str
    recommendations: str
    visibility: str
    replies: list[PeerReviewReply]


class PeerReviewEntry(Shape):
    """One submitted review of a closed round: the reviewing organization and its comments."""

    review_id: int
    round_name: str
    reviewer_acronym: str
    comments: list[PeerReviewComment]


class ImprovedRead(Shape):
    org_id: int
    acronym: str
    name: str
    index: float
    index_change: float


# The areas whose columns the comparison row documents in OpenAPI. The areas scored are the
# `area` table's rows; a row type needs its fields when the module loads, so these five are the
# documented columns of the API; a cycle scoring other areas gets rows of its own columns
# (`comparison_read_type`).
DOCUMENTED_AREA_KEYS = ("champion", "policy", "capacity", "reporting", "budget")


def _comparison_fields(area_keys: tuple[str, ...] = DOCUMENTED_AREA_KEYS) -> list[tuple[str, type]]:
    fields: list[tuple[str, type]] = [
        ("org_id", int),
        ("acronym", str),
        ("name", str),
        ("org_type", str),
        ("org_type_label", str),
        ("status", str),
        ("published", bool),
        ("index", float),
        ("index_change", float | None),  # type: ignore[list-item]
        ("trend", str | None),  # type: ignore[list-item]
        ("rank", int | None),  # type: ignore[list-item]
        ("quartile", int | None),  # type: ignore[list-item]
    ]
    for key in area_keys:
        fields += [
            (f"{key}_level", int),
            (f"{key}_self", int),
            (f"{key}_change", str | None),  # type: ignore[list-item]
            (f"{key}_rank", int | None),  # type: ignore[list-item]
            (f"{key}_quartile", int | None),  # type: ignore[list-item]
        ]
    fields += [
        ("on_time_share", float | None),  # type: ignore[list-item]
        ("overdue", int),
        ("median_days_late", float | None),  # type: ignore[list-item]
        ("evidence_share", float | None),  # type: ignore[list-item]
        ("verified_share", float | None),  # type: ignore[list-item]
        ("expectations_met", int),
        ("expectations_total", int),
        ("flags", str),
        ("published_early", bool),
    ]
    return fields


COMPARISON_FIELDS = _comparison_fields()
# One row of the comparison frame, field for field (the order is the frame's column order).
ComparisonRow = msgspec.defstruct("ComparisonRow", COMPARISON_FIELDS, kw_only=True)


class ComparisonRead(ListOf[ComparisonRow], kw_only=True):  # type: ignore[valid-type]
    """Organizations x areas of one cycle at the caller's audience: the list shape, whose `items`
    are rows of the comparison frame, with the cycle, its areas and the peer group's figures."""

    cycle: CycleRef
    audience: str
    peer_type: str | None
    peer_type_label: str | None
    as_of: str | None
    areas: list[AreaWeight]
    columns: list[str]
    ranked: int
    peer_median: dict[str, float | None]
    most_improved: list[ImprovedRead]
    # Any organization of the list published before the cycle's period ended, and the words for it.
    published_early: bool = False
    publication_note: str | None = None


@functools.cache
def comparison_read_type(area_keys: tuple[str, ...]) -> type[ComparisonRead]:
    """The comparison's shape for one cycle's areas, in their order.

    `ComparisonRead` documents the five seeded areas (the OpenAPI schema); a cycle that scores an
    added area, or fewer areas, gets rows with exactly its own columns, so no column of the frame is
    dropped from the JSON."""
    if area_keys == DOCUMENTED_AREA_KEYS:
        return ComparisonRead
    row = msgspec.defstruct("ComparisonRow", _comparison_fields(area_keys), kw_only=True)
    return msgspec.defstruct(  # type: ignore[no-any-return]
        "ComparisonRead",
        [("items", list[row])],
        bases=(ComparisonRead,),
        kw_only=True,  # type: ignore[valid-type]
    )
