"""The main navigation: only what the caller's roles may do, so nobody is shown a door that is locked.

Built from the Caller alone (no database read), so every page pays nothing for it.
"""

from __future__ import annotations

from typing import Any

from models.caller import Caller
from models.words import N_, gettext


def navigation(caller: Caller, current_path: str = "") -> list[dict[str, Any]]:
    items: list[tuple[str, str]] = []
    if not caller.authenticated:
        items.append((N_("How scores work"), "/method"))
        return _mark_current(items, current_path)
    items.append((N_("Home"), "/"))
    members = sorted(caller.member_org_ids)
    if len(members) == 1:
        items.append((N_("My organization"), f"/organizations/{members[0]}"))
    if caller.org_ids("champion"):
        items.append((N_("Sign-off queue"), "/sign-off"))
    if members or caller.org_ids("peer_reviewer"):
        items.append((N_("Peer reviews"), "/reviews"))
    if caller.is_secretariat:
        items += [
            (N_("Organizations"), "/admin/organizations"),
            (N_("People"), "/admin/people"),
            (N_("Cycles"), "/admin/cycles"),
            (N_("Areas"), "/admin/areas"),
            (N_("Evidence"), "/admin/evidence"),
            (N_("Reminders"), "/admin/reminders"),
            (N_("Review rounds"), "/admin/review-rounds"),
            (N_("Donor expectations"), "/admin/expectations"),
        ]
    if caller.comparison_audience is not None:
        items.append((N_("Published scorecards"), "/published"))
        items.append((N_("Donor expectations dashboard"), "/donors"))
    items.append((N_("How scores work"), "/method"))
    return _mark_current(items, current_path)


def _mark_current(items: list[tuple[str, str]], current_path: str) -> list[dict[str, Any]]:
    """aria-current on the one item whose path is the longest prefix of the current path."""
    best = ""
    for _, href in items:
        if (current_path == href or (href != "/" and current_path.startswith(href + "/"))) and len(
            href
        ) > len(best):
            best = href
    return [{"label": gettext(label), "href": href, "current": href == best} for label, href in items]
