"""Peer review over JSON: rounds (secretariat), reviews, comments and replies, practice notes.

Every rule lives in `models.services.review_rounds`, `reviews` and `practice`; the access table
is only the first gate (a review id carries no organization, so the service decides who may act).
"""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.params import JSONBody

from api.access import allow
from api.auth import CallerDep
from api.controllers import IfMatch, PathId, expected_version, given, listed, shape, with_etag
from api.schemas.reviews import (
    CommentRead,
    CommentWrite,
    PairRead,
    PairsWrite,
    PracticeNoteCreate,
    PracticeNoteRead,
    ReplyCreate,
    ReplyRead,
    ReviewRead,
    ReviewUpdate,
    RoundCreate,
    RoundRead,
    RoundUpdate,
)
from models.paging import MAX_LIMIT, ListOf, Page, Paging
from models.services import practice, review_rounds, reviews

T = TypeVar("T")

allow(
    {
        "GET /api/review-rounds": "secretariat",
        "POST /api/review-rounds": "secretariat",
        "GET /api/review-rounds/{round_id}": "secretariat",
        "PATCH /api/review-rounds/{round_id}": "secretariat",
        "POST /api/review-rounds/{round_id}/open": "secretariat",
        "POST /api/review-rounds/{round_id}/close": "secretariat",
        "GET /api/review-rounds/{round_id}/pairs": "secretariat",
        "PUT /api/review-rounds/{round_id}/pairs": "secretariat",
        # Reviews: reviewers, the reviewee's people, readers of a closed round; the service decides.
        "GET /api/reviews": "signed_in",
        "GET /api/reviews/{review_id}": "signed_in",
        "PATCH /api/reviews/{review_id}": "peer_reviewer",
        "POST /api/reviews/{review_id}/submit": "peer_reviewer",
        "POST /api/reviews/{review_id}/comments": "peer_reviewer",
        "POST /api/review-comments/{comment_id}/replies": "focal_point champion",
        "GET /api/organizations/{org_id}/practice-notes": "signed_in",
        "POST /api/organizations/{org_id}/practice-notes": "secretariat focal_point",
    }
)


def page_of(items: list[Any], total: int, paging: Paging, type_: type[T]) -> ListOf[T]:
    return listed(Page(items=items, total=total, limit=paging.limit, offset=paging.offset), type_)


class ReviewRoundController(Controller):
    path = "/api/review-rounds"
    tags = ["peer review"]

    @get("/")
    async def list_rounds(self, caller: CallerDep, paging: Paging) -> ListOf[RoundRead]:
        """Rounds, newest first (secretariat)."""
        items, total = await review_rounds.list_rounds(caller, paging.limit or MAX_LIMIT, paging.offset)
        return page_of(items, total, paging, RoundRead)

    @post("/")
    async def create_round(self, caller: CallerDep, data: JSONBody[RoundCreate]) -> RoundRead:
        """A draft round of a published cycle, with proposed pairs: reciprocal where possible, never
        an organization with itself, avoiding last round's pairs, within or across peer types."""
        return shape(await review_rounds.create_round(caller, given(data)), RoundRead)

    @get("/{round_id:int}")
    async def get_round(self, caller: CallerDep, round_id: PathId) -> Response[RoundRead]:
        """The round with its pairs: who reviews whom, who has reviewed and replied."""
        return with_etag(await review_rounds.get_round(caller, round_id), RoundRead)

    @patch("/{round_id:int}")
    async def update_round(
        self, caller: CallerDep, round_id: PathId, data: JSONBody[RoundUpdate], if_match: IfMatch
    ) -> Response[RoundRead]:
        """Name and dates until the round closes; participants and peer types while a draft."""
        row = await review_rounds.update_round(caller, round_id, given(data), expected_version(if_match))
        return with_etag(row, RoundRead)

    @post("/{round_id:int}/open")
    async def open_round(self, caller: CallerDep, round_id: PathId) -> Response[RoundRead]:
        """Draft -> open: every pair gets its review, to be written by its reviewers."""
        return with_etag(await review_rounds.open_round(caller, round_id), RoundRead)

    @post("/{round_id:int}/close")
    async def close_round(self, caller: CallerDep, round_id: PathId) -> Response[RoundRead]:
        """Open -> closed: reviews and replies are frozen and become part of the record."""
        return with_etag(await review_rounds.close_round(caller, round_id), RoundRead)

    @get("/{round_id:int}/pairs")
    async def list_pairs(self, caller: CallerDep, round_id: PathId, paging: Paging) -> ListOf[PairRead]:
        """The round's pairs: who reviews whom, with its reviewers and how far each review has come."""
        pairs = (await review_rounds.get_round(caller, round_id))["pairs"]
        end = None if paging.limit is None else paging.offset + paging.limit
        return page_of(pairs[paging.offset : end], len(pairs), paging, PairRead)

    @put("/{round_id:int}/pairs")
    async def set_pairs(
        self, caller: CallerDep, round_id: PathId, data: JSONBody[PairsWrite]
    ) -> ListOf[PairRead]:
        """Replace the pairs before the round opens (checked against the rules of a round)."""
        pairs = await review_rounds.set_pairs(caller, round_id, given(data)["pairs"])
        return page_of(pairs, len(pairs), Paging(limit=None), PairRead)


class ReviewController(Controller):
    path = "/api"
    tags = ["peer review"]

    @get("/reviews")
    async def list_reviews(self, caller: CallerDep, paging: Paging) -> ListOf[ReviewRead]:
        """The caller's reviews: to write, or submitted on the caller's organization to reply to."""
        items, total = await reviews.list_my_reviews(caller, paging.limit or MAX_LIMIT, paging.offset)
        return page_of(items, total, paging, ReviewRead)

    @get("/reviews/{review_id:int}")
    async def get_review(self, caller: CallerDep, review_id: PathId) -> Response[ReviewRead]:
        """A review with the comments and replies the caller may read, and the reviewee's frozen
        peer view for those who read at the peer audience or wider."""
        return with_etag(await reviews.get_review(caller, review_id), ReviewRead)

    @patch("/reviews/{review_id:int}")
    async def update_review(
        self, caller: CallerDep, review_id: PathId, data: JSONBody[ReviewUpdate], if_match: IfMatch
    ) -> Response[ReviewRead]:
        """Save the draft's comments (one per area) in one go."""
        row = await reviews.update_review(caller, review_id, given(data), expected_version(if_match))
        return with_etag(row, ReviewRead)

    @post("/reviews/{review_id:int}/comments")
    async def add_comment(
        self, caller: CallerDep, review_id: PathId, data: JSONBody[CommentWrite]
    ) -> CommentRead:
        """Write the draft's comment on an area (a second one on the same area replaces it)."""
        return shape(await reviews.add_comment(caller, review_id, given(data)), CommentRead)

    @post("/reviews/{review_id:int}/submit")
    async def submit_review(
        self, request: Request, caller: CallerDep, review_id: PathId
    ) -> Response[ReviewRead]:
        """Submit: the reviewee's focal points and champion are told by email and may reply."""
        row = await reviews.submit_review(caller, review_id)
        from reminders.workflow import queue_review_submitted

        await queue_review_submitted(request.app.state.settings, review_id)
        return with_etag(row, ReviewRead)

    @post("/review-comments/{comment_id:int}/replies")
    async def add_reply(
        self, caller: CallerDep, comment_id: PathId, data: JSONBody[ReplyCreate]
    ) -> ReplyRead:
        """The reviewee's reply to a comment on itself, until the round's reply due date."""
        return shape(await reviews.add_reply(caller, comment_id, given(data)), ReplyRead)

    @get("/organizations/{org_id:int}/practice-notes")
    async def list_notes(self, caller: CallerDep, org_id: PathId, paging: Paging) -> ListOf[PracticeNoteRead]:
        """The organization's practice notes the caller may read, newest first (`current`: its latest
        word in that area)."""
        items, total = await practice.list_notes(caller, org_id, paging.limit or MAX_LIMIT, paging.offset)
        return page_of(items, total, paging, PracticeNoteRead)

    @post("/organizations/{org_id:int}/practice-notes")
    async def add_note(
        self, caller: CallerDep, org_id: PathId, data: JSONBody[PracticeNoteCreate]
    ) -> PracticeNoteRead:
        """Offer (or withdraw the offer) to share practice in an area, with what worked."""
        return shape(await practice.add_note(caller, org_id, given(data)), PracticeNoteRead)
