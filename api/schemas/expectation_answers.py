"""Request and response shapes of organizations' answers to the donor group's expectations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from api.schemas import Shape, Strict
from api.schemas.assessments import AssessmentEvidenceIn, Visibility
from scorecards.shapes import AnswerFile

Answer = Literal["met", "partly", "not_yet", "not_applicable"]


class EvidenceLinkRead(Shape):
    url: str
    title: str
    visibility: str


class ExpectationAnswerRead(Shape):
    expectation_id: int
    text: str
    area: str | None
    due_date: dt.date | None
    wording_number: int
    answered: bool
    answer: str | None
    note: str
    note_visibility: str
    evidence: list[EvidenceLinkRead]
    files: list[AnswerFile]
    review: str | None
    review_note: str
    answered_wording_number: int | None
    answered_wording: str | None
    version: int


class ExpectationAnswerWrite(Strict):
    answer: Answer
    note: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    note_visibility: Visibility = "internal"
    evidence: Annotated[list[AssessmentEvidenceIn], msgspec.Meta(max_length=20)] = []
    version: Annotated[int, msgspec.Meta(ge=0)] = 0


class AnswerReview(Strict):
    decision: Literal["confirm", "question"]
    question: Annotated[str, msgspec.Meta(max_length=2000)] = ""
