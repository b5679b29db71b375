"""The reminder outbox (secretariat): what was queued, sent or failed, and a retry for failures.

Reads and retries go through the reminders package's own outbox functions; a failed delivery stays
listed here until it is retried and sent.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.pages.admin import PAGE_SIZE, page_base
from api.pages.errors import PageController
from api.pages.forms import page_number
from api.pages.render import redirect, render
from models.caller import Caller
from models.errors import UserError
from models.paging import Paging
from models.words import gettext, sentence


class AdminReminderPages(PageController):
    path = "/admin/reminders"

    @get("/")
    async def outbox(
        self, request: Request[Any, Any, Any], caller: Caller, status: str = "", page: str = "1"
    ) -> Template:
        from reminders.outbox import STATUSES, list_reminders, reminder_counts

        status = status if status in STATUSES else ""
        number = page_number(page)
        listing = await list_reminders(
            caller, status=status or None, paging=Paging.page_number(number, PAGE_SIZE)
        )
        pages = listing.pages
        return render(
            request,
            caller,
            "admin/reminders.html.jinja",
            listing=listing,
            counts=await reminder_counts(caller),
            status_filter=status,
            statuses=STATUSES,
            page=min(number, pages),
            pages=pages,
            base=page_base("/admin/reminders", status=status),
        )

    @post("/{reminder_id:int}/retry")
    async def retry(self, request: Request[Any, Any, Any], caller: Caller, reminder_id: int) -> Redirect:
        from reminders.outbox import retry_reminder

        try:
            row = await retry_reminder(caller, reminder_id)
        except UserError as exc:
            return redirect(request, "/admin/reminders?status=failed", sentence(exc.message), "error")
        return redirect(
            request,
            "/admin/reminders?status=failed",
            gettext(
                "The reminder to %(email)s is queued again; it goes out with the next delivery.",
                email=row["recipient_email"],
            ),
        )
