"""Peer-review pages: my reviews, one review (write, submit, reply), and the secretariat's rounds.

Forms post to the same services as the JSON API (`models.services.reviews`, `review_rounds`), so
the rules (who writes, who replies, nothing after closing) are the same in both.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.errors import PageController
from api.pages.forms import optional_date
from api.pages.render import read_form, read_form_lists, redirect, refusal, render
from models.caller import Caller
from models.errors import UserError
from models.services import practice, review_rounds, reviews
from models.services.areas import list_areas
from models.services.cycles import list_cycles
from models.vocabulary import ASSESSMENT_LABELS
from models.words import N_, gettext, sentence

REVIEW_PAGE_ACCESS = {
    "GET /reviews": "signed_in",
    "GET /reviews/{review_id}": "signed_in",
    "POST /reviews/{review_id}/comments": "peer_reviewer",
    "POST /reviews/{review_id}/submit": "peer_reviewer",
    "POST /reviews/{review_id}/replies/{comment_id}": "focal_point champion",
    "GET /admin/review-rounds": "secretariat",
    "POST /admin/review-rounds": "secretariat",
    "GET /admin/review-rounds/{round_id}": "secretariat",
    "POST /admin/review-rounds/{round_id}/pairs": "secretariat",
    "POST /admin/review-rounds/{round_id}/open": "secretariat",
    "POST /admin/review-rounds/{round_id}/close": "secretariat",
}


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
            return redirect(request, f"/reviews/{review_id}", sentence(exc.message), "error")
        return redirect(
            request, f"/reviews/{review_id}#area-{form.get('area', '')}", gettext("Comment saved as a draft.")
        )

    @post("/reviews/{review_id:int}/submit")
    async def submit(self, request: Request[Any, Any, Any], caller: Caller, review_id: int) -> Redirect:
        try:
            await reviews.submit_review(caller, review_id)
        except UserError as exc:
            return redirect(request, f"/reviews/{review_id}", sentence(exc.message), "error")
        from reminders.workflow import queue_review_submitted

        await queue_review_submitted(request.app.state.settings, review_id)
        return redirect(
            request,
            f"/reviews/{review_id}",
            gettext("Review submitted: the organization is told and may reply."),
        )

    @post("/reviews/{review_id:int}/replies/{comment_id:int}")
    async def reply(
        self, request: Request[Any, Any, Any], caller: Caller, review_id: int, comment_id: int
    ) -> Redirect:
        form = await read_form(request)
        try:
            await reviews.add_reply(caller, comment_id, form)
        except UserError as exc:
            return redirect(request, f"/reviews/{review_id}", sentence(exc.message), "error")
        return redirect(request, f"/reviews/{review_id}#comment-{comment_id}", gettext("Reply added."))


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
            area_names={area["key"]: area["name"] for area in (await list_areas()).items},
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
            return redirect(request, "/admin/review-rounds", sentence(exc.message), "error")
        return redirect(
            request, f"/admin/review-rounds/{created['id']}", gettext("Round created with proposed pairs.")
        )

    @get("/{round_id:int}")
    async def round_page(self, request: Request[Any, Any, Any], caller: Caller, round_id: int) -> Template:
        return await _round_page(request, caller, round_id)

    @post("/{round_id:int}/pairs")
    async def change_pairs(
        self, request: Request[Any, Any, Any], caller: Caller, round_id: int
    ) -> Template | Redirect:
        """The pairs form: every row with both organizations is a pair; a row left blank is none."""
        form = await read_form(request)
        count = min(int(form.get("rows", "0") or 0) if form.get("rows", "").isdigit() else 0, MAX_PAIR_ROWS)
        chosen = await read_form_lists(request, *(f"pairs-{i}-reviewers" for i in range(count)))
        rows = [
            {
                "reviewer_id": form.get(f"pairs-{i}-reviewer", ""),
                "reviewee_id": form.get(f"pairs-{i}-reviewee", ""),
                "reviewer_ids": [v for v in chosen[f"pairs-{i}-reviewers"] if v],
            }
            for i in range(count)
        ]
        try:
            await review_rounds.set_pairs(caller, round_id, pairs_from_rows(rows))
        except UserError as exc:
            return await _round_page(request, caller, round_id, rows=rows, refused=exc)
        return redirect(request, f"/admin/review-rounds/{round_id}", gettext("Pairs saved."))

    @post("/{round_id:int}/open")
    async def open_round(self, request: Request[Any, Any, Any], caller: Caller, round_id: int) -> Redirect:
        return await _move(
            request, caller, round_id, review_rounds.open_round, gettext("Round opened: reviewers may write.")
        )

    @post("/{round_id:int}/close")
    async def close_round(self, request: Request[Any, Any, Any], caller: Caller, round_id: int) -> Redirect:
        return await _move(
            request,
            caller,
            round_id,
            review_rounds.close_round,
            gettext("Round closed: its reviews are part of the record."),
        )


async def _move(
    request: Request[Any, Any, Any], caller: Caller, round_id: int, action: Any, done: str
) -> Redirect:
    try:
        await action(caller, round_id)
    except UserError as exc:
        return redirect(request, f"/admin/review-rounds/{round_id}", sentence(exc.message), "error")
    return redirect(request, f"/admin/review-rounds/{round_id}", done)


MAX_PAIR_ROWS = 2000  # as many as PUT .../pairs takes
BLANK_ROWS = 2  # room to add pairs on the form


def pairs_from_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The form's rows as the pairs PUT .../pairs takes; a row left blank is skipped, a half-filled
    one refused with its number. No reviewer chosen means the reviewing organization's own."""
    pairs = []
    for number, row in enumerate(rows, start=1):
        filled = [bool(row["reviewer_id"]), bool(row["reviewee_id"])]
        if not any(filled):
            continue
        field = f"pairs-{number - 1}-{'reviewee' if filled[0] else 'reviewer'}"
        if not all(filled):
            raise UserError(
                N_("pair %(number)s: choose both organizations, or neither"), field=field, number=number
            )
        try:
            reviewer_ids = [int(v) for v in row["reviewer_ids"]] or None
            pairs.append(
                {
                    "reviewer_id": int(row["reviewer_id"]),
                    "reviewee_id": int(row["reviewee_id"]),
                    "reviewer_ids": reviewer_ids,
                    "row": number - 1,
                }
            )
        except ValueError:
            raise UserError(
                N_("pair %(number)s: choose from the lists"), field=field, number=number
            ) from None
    return pairs


def form_field(field: str | None, pairs: list[dict[str, Any]]) -> str | None:
    """A service's field (`pairs[2].reviewer_ids`, counted among the filled rows) as the form's
    field id (`pairs-4-reviewers`, counted among all rows), so the error sits beside its row."""
    found = re.fullmatch(r"pairs\[(\d+)\]\.(\w+)", field or "")
    if not found or int(found.group(1)) >= len(pairs):
        return field
    column = {"reviewer_id": "reviewer", "reviewee_id": "reviewee", "reviewer_ids": "reviewers"}[
        found.group(2)
    ]
    return f"pairs-{pairs[int(found.group(1))]['row']}-{column}"


async def _round_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    round_id: int,
    rows: list[dict[str, Any]] | None = None,
    refused: UserError | None = None,
) -> Template:
    """The round with its pairs; in a draft, the form that changes them (what was typed, when refused)."""
    round_ = await review_rounds.get_round(caller, round_id)
    if rows is None:
        rows = [
            {
                "reviewer_id": p["reviewer_id"],
                "reviewee_id": p["reviewee_id"],
                "reviewer_ids": [person["id"] for person in p["reviewers"]],
            }
            for p in round_["pairs"]
        ]
    rows = rows + [{"reviewer_id": "", "reviewee_id": "", "reviewer_ids": []}] * BLANK_ROWS
    answer = refusal(refused)
    if refused is not None:
        try:
            typed = pairs_from_rows(rows)
        except UserError:
            typed = []
        field = form_field(refused.field, typed)
        answer["errors"] = {field or "_form": next(iter(answer["errors"].values()))}
    choices = await review_rounds.reviewer_choices(caller, round_id) if round_["status"] == "draft" else []
    return render(
        request,
        caller,
        "admin/review_round.html.jinja",
        round=round_,
        rows=rows,
        choices=choices,
        **answer,
    )


def days_left(day: dt.date | None, today: dt.date) -> int | None:
    return None if day is None else (day - today).days
