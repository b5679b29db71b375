"""Shapes of peer review (rounds, pairs, reviews, comments, replies) and of practice notes.

What a caller reads is already filtered by the services: comments and replies their audience may
not read are absent, and authors' names are empty outside the pair, the reviewee and the secretariat.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from api.schemas import Shape, Strict
from api.schemas.records import AreaKey, CycleName, LongText, RowId, Url, Visibility

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
PeerTypes = Literal["any", "within", "across"]
Assessment = Literal["right", "too_high", "too_low"]
CommentVisibility = Literal["peer", "donor", "public"]
Ids = Annotated[list[RowId], msgspec.Meta(max_length=500)]


class PersonRef(Shape):
    id: int
    name: str
    email: str


class PairRead(Shape):
    id: int
    reviewer_id: int
    reviewer_acronym: str
    reviewee_id: int
    reviewee_acronym: str
    reviewers: list[PersonRef]
    review_id: int | None
    review_status: str  # "" before the round opens; draft, submitted or not_submitted
    submitted_at: dt.datetime | None
    comments: int
    replies: int


class PairWrite(Strict):
    reviewer_id: RowId
    reviewee_id: RowId
    reviewer_ids: Ids | None = None  # people of the reviewing organization; default: its peer reviewers


class PairsWrite(Strict):
    pairs: Annotated[list[PairWrite], msgspec.Meta(max_length=2000)]


class RoundRead(Shape):
    id: int
    name: str
    cycle: str
    status: str  # draft, open, closed
    review_due: dt.date | None
    reply_due: dt.date | None
    peer_types: str
    organization_ids: list[int]
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    pairs: list[PairRead] = []


class RoundCreate(Strict):
    name: Name
    cycle: CycleName
    review_due: dt.date
    reply_due: dt.date
    organization_ids: Ids | None = None  # default: those published in the cycle with a peer reviewer
    peer_types: PeerTypes = "any"


class RoundUpdate(Strict):
    name: Name | UnsetType = UNSET
    review_due: dt.date | UnsetType = UNSET
    reply_due: dt.date | UnsetType = UNSET
    organization_ids: Ids | UnsetType = UNSET
    peer_types: PeerTypes | UnsetType = UNSET


class ReplyRead(Shape):
    id: int
    comment_id: int
    body: str
    visibility: str
    author_id: int | None
    author_name: str | None
    created_at: dt.datetime


class ReplyCreate(Strict):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
    visibility: Visibility | UnsetType = UNSET  # default: the comment's visibility


class CommentRead(Shape):
    id: int
    review_id: int
    area: str
    area_name: str
    assessment: str
    strengths: str
    recommendations: str
    visibility: str
    author_id: int | None
    author_name: str | None
    version: int
    created_at: dt.datetime
    replies: list[ReplyRead] = []


class CommentWrite(Strict):
    area: AreaKey
    assessment: Assessment = "right"
    strengths: LongText = ""
    recommendations: LongText = ""
    visibility: CommentVisibility = "peer"


class ReviewRead(Shape):
    id: int
    round_id: int
    round_name: str
    round_status: str
    cycle: str
    review_due: dt.date | None
    reply_due: dt.date | None
    status: str
    reviewer_id: int
    reviewer_acronym: str
    reviewee_id: int
    reviewee_acronym: str
    reviewee_name: str
    submitted_at: dt.datetime | None
    version: int
    part: str  # write, reply, oversee or read
    comments: list[CommentRead] = []
    snapshot: dict[str, Any] | None = None  # the reviewee's frozen peer view of the cycle


class ReviewUpdate(Strict):
    comments: Annotated[list[CommentWrite], msgspec.Meta(max_length=50)]


class PracticeNoteRead(Shape):
    id: int
    organization_id: int
    organization_acronym: str
    area: str
    area_name: str
    willing_to_share: bool
    what_worked: str
    documents: list[str]
    contact: str
    visibility: str
    author_id: int | None
    current: bool
    created_at: dt.datetime


class PracticeNoteCreate(Strict):
    area: AreaKey
    willing_to_share: bool = True
    what_worked: LongText = ""
    documents: Annotated[list[Url], msgspec.Meta(max_length=20)] = []
    contact: Annotated[str, msgspec.Meta(max_length=300)] = ""
    visibility: Visibility = "peer"
