"""Headers of the Summary sheet and CSV: one per column of the engine's comparison frame, in order.

The Summary writes every column the comparison frame has (see `scorecards.positions`), so it equals
the JSON of `/api/scorecards/{cycle}` cell for cell; this module only words the headers. A column the
engine adds later still appears, headed by its name.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from models.words import N_, gettext
from scorecards.workbook.sheet import Column

HEADERS = {
    "org_id": N_("Organization id"),
    "acronym": N_("Acronym"),
    "name": N_("Organization"),
    "org_type": N_("Type key"),
    "org_type_label": N_("Organization type"),
    "status": N_("Submission status"),
    "published": N_("Published"),
    "published_early": N_("Published before the cycle closed"),
    "index": N_("Index (0-100)"),
    "index_change": N_("Index change"),
    "trend": N_("Trend"),
    "rank": N_("Rank"),
    "quartile": N_("Quartile"),
    "on_time_share": N_("Milestones on time (%)"),
    "overdue": N_("Milestones overdue"),
    "median_days_late": N_("Median days late"),
    "evidence_share": N_("Claims 3+ with evidence (%)"),
    "verified_share": N_("Claims 3+ verified (%)"),
    "expectations_met": N_("Donor expectations met"),
    "expectations_total": N_("Donor expectations (active)"),
    "flags": N_("Flags"),
}
AREA_SUFFIXES = {
    "level": N_("level"),
    "self": N_("self-assessed"),
    "change": N_("change"),
    "rank": N_("rank"),
    "quartile": N_("quartile"),
}
WIDTHS = {"org_id": 8.0, "acronym": 10.0, "published": 10.0, "trend": 8.0, "rank": 7.0, "quartile": 9.0}


def header_for(key: str, areas: Sequence[tuple[str, str, float]]) -> str:
    if key in HEADERS:
        return gettext(HEADERS[key])
    for area_key, area_name, _weight in areas:
        prefix = f"{area_key}_"
        if key.startswith(prefix) and key[len(prefix) :] in AREA_SUFFIXES:
            what = gettext(AREA_SUFFIXES[key[len(prefix) :]])
            return gettext("%(area)s: %(what)s", area=area_name, what=what)
    return key.replace("_", " ").capitalize()


def summary_columns(frame: pd.DataFrame, areas: Sequence[tuple[str, str, float]]) -> list[Column]:
    return [
        Column(str(key), header_for(str(key), areas), width=WIDTHS.get(str(key))) for key in frame.columns
    ]


def level_columns(areas: Sequence[tuple[str, str, float]]) -> list[str]:
    """Columns holding levels 0-4 (verified and self-assessed), coloured on the Summary."""
    return [f"{key}_{suffix}" for key, _name, _weight in areas for suffix in ("level", "self")]


def index_columns() -> list[str]:
    return ["index"]
