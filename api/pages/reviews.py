"""Peer-review pages: my reviews, one review (write, submit, reply), and the secretariat's rounds.

Forms post to the same services as the JSON API (`models.services.reviews`, `review_rounds`), so
the rules (who writes, who replies, nothing after closing) are the same in both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.errors import PageController
from api.pages.forms import optional_date
from api.pages.render import read_form, redirect, render
from models.caller import Caller
from models.errors import UserError
from models.services import practice, review_rounds, reviews
from models.services.cycles import list_cycles
from models.vocabulary import ASSESSMENT_LABELS

REVIEW_PAGE_ACCESS = {
    "GET /reviews": "signed_in",
    "GET /reviews/{review_id}": "signed_in",
    "POST /reviews/{review_id}/comments": "peer_reviewer",
    "POST /reviews/{review_id}/submit": "peer_reviewer",
    "POST /reviews/{review_id}/replies/{comment_id}": "focal_point champion",
    "GET /admin/review-rounds": "secretariat",
    "POST /admin/review-rounds": "secretariat",
    "GET /admin/review-rounds/{round_id}": "secretariat",
    "POST /admin/review-rounds/{round_id}/open": "secretariat",
    "POST /admin/review-rounds/{round_id}/close": "secretariat",
}


def sentence(exc: UserError) -> str:
    return exc.message[:1].upper() + exc.message[1:]


class ReviewPages(PageController):
    @get("/reviews")
    async def mine(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        items, total = await reviews.list_my_reviews(caller, 200, 0)
        return render(request, caller, "reviews/list.html.jinja", reviews=items, total=total)

    @get("/reviews/{review_id:int}")
    async def review(self, request: Request[Any, Any, Any], caller: Caller, review_id: int) -> Template:
        row = await reviews.get_review(caller, review_id)
        areas = (row["snapshot"] or {}).get("areas", [])
        written = {comment["area"]: comment for comment in row["comments"]}
        return render(
            request,
            caller,
            "reviews/review.html.jinja",
            review=row,
            areas=areas,
            written=written,
            assessments=list(ASSESSMENT_LABELS.items()),
            assessment_words=ASSESSMENT_LABELS,
            may_write=row["part"] == "write" and row["status"] == "draft" and row["round_status"] == "open",
            may_reply=row["part"] == "reply" and row["round_status"] == "open",
        )

    @post("/reviews/{review_id:int}/comments")
    async def comment(self, request: Request[Any, Any, Any], caller: Caller, review_id: int) -> Redirect:
        form = await read_form(request)
        try:
            await reviews.add_comment(caller, review_id, form)
        except UserError as exc:
            return redirect(request, f"/reviews/{review_id}", sentence(exc), "error")
        return redirect(
            request, f"/reviews/{review_id}#area-{form.get('area', '')}", "Comment saved as a draft."
        )

    @post("/reviews/{review_id:int}/submit")
    async def submit(self, request: Request[Any, Any, Any], caller: Caller, review_id: int) -> Redirect:
        try:
            await reviews.submit_review(caller, review_id)
        except UserError as exc:
            return redirect(request, f"/reviews/{review_id}", sentence(exc), "error")
        from reminders.workflow import queue_review_submitted

        await queue_review_submitted(request.app.state.settings, review_id)
        return redirect(
            request, f"/reviews/{review_id}", "Review submitted: the organization is told and may reply."
        )

    @post("/reviews/{review_id:int}/replies/{comment_id:int}")
    async def reply(
        self, request: Request[Any, Any, Any], caller: Caller, review_id: int, comment_id: int
    ) -> Redirect:
        form = await read_form(request)
        try:
            await reviews.add_reply(caller, comment_id, form)
        except UserError as exc:
            return redirect(request, f"/reviews/{review_id}", sentence(exc), "error")
        return redirect(request, f"/reviews/{review_id}#comment-{comment_id}", "Reply added.")


class AdminReviewRoundPages(PageController):
    path = "/admin/review-rounds"

    @get("/")
    async def rounds(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        items, _ = await review_rounds.list_rounds(caller, 200, 0)
        cycles = [c["name"] for c in (await list_cycles()).items]
        return render(
            request,
            caller,
            "admin/review_rounds.html.jinja",
            rounds=items,
            cycles=cycles,
            matrix=await practice.offers_and_needs(caller),
        )

    @post("/")
    async def create(self, request: Request[Any, Any, Any], caller: Caller) -> Redirect:
        form = await read_form(request)
        try:
            created = await review_rounds.create_round(
                caller,
                {
                    "name": form.get("name", ""),
                    "cycle": form.get("cycle", ""),
                    "peer_types": form.get("peer_types", "any"),
                    "review_due": optional_date(form, "review_due", "Reviews due"),
                    "reply_due": optional_date(form, "reply_due", "Replies due"),
                },
            )
        except UserError as exc:
            return redirect(request, "/admin/review-rounds", sentence(exc), "error")
        return redirect(
            request, f"/admin/review-rounds/{created['id']}", "Round created with proposed pairs."
        )

    @get("/{round_id:int}")
    async def round_page(self, request: Request[Any, Any, Any], caller: Caller, round_id: int) -> Template:
        return render(
            request,
            caller,
            "admin/review_round.html.jinja",
            round=await review_rounds.get_round(caller, round_id),
        )

    @post("/{round_id:int}/open")
    async def open_round(self, request: Request[Any, Any, Any], caller: Caller, round_id: int) -> Redirect:
        return await _move(
            request, caller, round_id, review_rounds.open_round, "Round opened: reviewers may write."
        )

    @post("/{round_id:int}/close")
    async def close_round(self, request: Request[Any, Any, Any], caller: Caller, round_id: int) -> Redirect:
        return await _move(
            request,
            caller,
            round_id,
            review_rounds.close_round,
            "Round closed: its reviews are part of the record.",
        )


async def _move(
    request: Request[Any, Any, Any], caller: Caller, round_id: int, action: Any, done: str
) -> Redirect:
    try:
        await action(caller, round_id)
    except UserError as exc:
        return redirect(request, f"/admin/review-rounds/{round_id}", sentence(exc), "error")
    return redirect(request, f"/admin/review-rounds/{round_id}", done)


def days_left(day: dt.date | None, today: dt.date) -> int | None:
    return None if day is None else (day - today).days
