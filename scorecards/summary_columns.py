"""Headers of the Summary sheet and CSV: one per column of the engine's comparison frame, in order.

The Summary writes every column the comparison frame has (see `scorecards.positions`), so it equals
the JSON of `/api/scorecards/{cycle}` cell for cell; this module only words the headers. A column the
engine adds later still appears, headed by its name.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from scorecards.workbook.sheet import Column

HEADERS = {
    "org_id": "Organization id",
    "acronym": "Acronym",
    "name": "Organization",
    "org_type": "Type key",
    "org_type_label": "Organization type",
    "status": "Submission status",
    "published": "Published",
    "index": "Index (0-100)",
    "index_change": "Index change",
    "trend": "Trend",
    "rank": "Rank",
    "quartile": "Quartile",
    "on_time_share": "Milestones on time (%)",
    "overdue": "Milestones overdue",
    "median_days_late": "Median days late",
    "evidence_share": "Claims 3+ with evidence (%)",
    "verified_share": "Claims 3+ verified (%)",
    "expectations_met": "Donor expectations met",
    "expectations_total": "Donor expectations (active)",
    "flags": "Flags",
}
AREA_SUFFIXES = {
    "level": "level",
    "self": "self-assessed",
    "change": "change",
    "rank": "rank",
    "quartile": "quartile",
}
WIDTHS = {"org_id": 8.0, "acronym": 10.0, "published": 10.0, "trend": 8.0, "rank": 7.0, "quartile": 9.0}


def header_for(key: str, areas: Sequence[tuple[str, str, float]]) -> str:
    if key in HEADERS:
        return HEADERS[key]
    for area_key, area_name, _weight in areas:
        prefix = f"{area_key}_"
        if key.startswith(prefix) and key[len(prefix) :] in AREA_SUFFIXES:
            return f"{area_name}: {AREA_SUFFIXES[key[len(prefix) :]]}"
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
