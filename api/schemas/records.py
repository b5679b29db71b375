"""Shapes of an organization's records: commitments, milestones, progress updates, evidence links.

What a caller reads is already filtered for their audience by the services: text they may not read
comes back empty (descriptions, drop reasons) or the record is absent (updates, links).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from api.schemas import Shape, Strict, whole
from models.vocabulary import COMMITMENT_STATUSES, MILESTONE_STATUSES, VISIBILITIES

# Literal[tuple] is Literal[*tuple]: the documented values are the vocabulary's, written once.
Visibility = Literal[VISIBILITIES]  # type: ignore[valid-type]
# Area keys are rows of the `area` table (GET /api/areas); the service checks them.
AreaKey = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
LongText = Annotated[str, msgspec.Meta(max_length=20_000)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Level = Annotated[int, msgspec.Meta(ge=0, le=4)]
Day = Annotated[dt.date, msgspec.Meta()]
RowId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
CycleName = Annotated[str, msgspec.Meta(pattern=whole(r"\d{4}-H[12]"))]


class CommitmentRead(Shape):
    id: int
    organization_id: int
    area: str
    title: str
    description: str
    description_visibility: str
    owner_id: int | None
    owner_name: str | None
    target_date: dt.date | None
    status: str
    last_update_at: dt.datetime | None
    version: int
    created_at: dt.datetime


class CommitmentCreate(Strict):
    area: AreaKey
    title: Title
    description: LongText = ""
    description_visibility: Visibility = "internal"
    owner_id: RowId | None = None
    target_date: Day | None = None


class CommitmentUpdate(Strict):
    area: AreaKey | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    description: LongText | UnsetType = UNSET
    description_visibility: Visibility | UnsetType = UNSET
    owner_id: RowId | None | UnsetType = UNSET
    target_date: Day | None | UnsetType = UNSET
    status: Literal[COMMITMENT_STATUSES] | UnsetType = UNSET  # type: ignore[valid-type]


MilestoneStatus = Literal[MILESTONE_STATUSES]  # type: ignore[valid-type]


class MilestoneRead(Shape):
    id: int
    commitment_id: int
    organization_id: int
    title: str
    due_date: dt.date | None
    completed_on: dt.date | None
    status: str
    drop_reason: str
    derived_state: str
    version: int
    created_at: dt.datetime
    timeframe_text: str = ""
    date_flags: str = ""


class MilestoneCreate(Strict):
    title: Title
    due_date: Day
    status: MilestoneStatus = "planned"
    completed_on: Day | None = None
    drop_reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class MilestoneUpdate(Strict):
    title: Title | UnsetType = UNSET
    due_date: Day | UnsetType = UNSET
    status: MilestoneStatus | UnsetType = UNSET
    completed_on: Day | None | UnsetType = UNSET
    drop_reason: Annotated[str, msgspec.Meta(max_length=2000)] | UnsetType = UNSET


class EvidenceRead(Shape):
    id: int
    update_id: int
    url: str
    title: str
    visibility: str
    verified_by: int | None
    verified_at: dt.datetime | None
    supersedes_id: int | None
    version: int
    created_at: dt.datetime
    # A file (docs/design.md "Evidence files"): its original name, type and size; `url` downloads it.
    file_name: str = ""
    file_type: str = ""
    file_size: int = 0
    rejected_at: dt.datetime | None = None
    rejection_reason: str = ""


class EvidenceLink(Strict):
    url: Url
    title: Annotated[str, msgspec.Meta(max_length=300)] = ""
    visibility: Visibility = "internal"


class EvidenceCreate(EvidenceLink):
    supersedes_id: RowId | None = None


class EvidenceUpdate(Strict):
    url: Url | UnsetType = UNSET
    title: Annotated[str, msgspec.Meta(max_length=300)] | UnsetType = UNSET
    visibility: Visibility | UnsetType = UNSET


class UpdateRead(Shape):
    id: int
    commitment_id: int
    organization_id: int
    author_id: int | None
    author_name: str | None
    cycle: str | None
    self_level: int | None
    narrative: str
    visibility: str
    supersedes_id: int | None
    superseded_by_id: int | None
    created_at: dt.datetime
    evidence: list[EvidenceRead]
    milestone_id: int | None = None


class UpdateCreate(Strict):
    """A new progress update; to correct an earlier one, name it in `supersedes_id`."""

    narrative: LongText = ""
    visibility: Visibility = "internal"
    self_level: Level | None = None
    cycle: CycleName | None = None
    supersedes_id: RowId | None = None
    # The milestone of the same commitment this update reports on.
    milestone_id: RowId | None = None
    evidence: Annotated[list[EvidenceLink], msgspec.Meta(max_length=20)] = []
