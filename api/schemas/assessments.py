"""Request and response shapes of the assessments in a cycle's report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from api.schemas import Shape, Strict

Level = Annotated[int, msgspec.Meta(ge=0, le=4)]
Visibility = Literal["internal", "peer", "donor", "public"]


class AssessmentEvidenceIn(Strict):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    title: Annotated[str, msgspec.Meta(max_length=300)] = ""
    visibility: Visibility = "internal"


class AssessmentWrite(Strict):
    self_level: Level
    justification: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    visibility: Visibility = "internal"
    evidence: Annotated[list[AssessmentEvidenceIn], msgspec.Meta(max_length=20)] = []
    version: Annotated[int, msgspec.Meta(ge=0)] = 0


class AssessmentEvidenceRead(Shape):
    id: int
    url: str
    title: str
    visibility: str
    state: str
    rejection_reason: str
    verified_at: dt.datetime | None
    rejected_at: dt.datetime | None


class AssessmentRead(Shape):
    area: str
    area_name: str
    rubric: dict[str, str]
    assessed: bool
    id: int | None
    self_level: int | None
    justification: str
    visibility: str
    version: int
    evidence: list[AssessmentEvidenceRead]
    suggested_level: int | None
    suggested_justification: str
    suggested_from: str


class EvidenceDecision(Strict):
    decision: Literal["verify", "reject"]
    reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class AssessmentEvidenceDecided(Shape):
    id: int
    assessment_id: int
    url: str
    state: str
    rejection_reason: str
