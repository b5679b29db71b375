"""One organization's scorecard as a plain, JSON-ready mapping, and back into frames.

The same mapping is frozen into `ScorecardSnapshot.payload` at publishing (one per audience) and is
served live to an organization's own people. It holds the organization's own figures and the words
its audience may read; peer position is added when it is served (`scorecards.service`), because it
moves as other organizations publish, while what an organization published never changes.
`scores_from_payloads` turns frozen payloads back into the engine's frames, so peers and donors are
ranked with exactly the figures that were published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.vocabulary import LEVELS, ORG_TYPE_LABELS
from models.words import N_
from scorecards.engine import AREA_FLAG_LABELS, FLAG_LABELS, CycleInfo, Scores
from scorecards.loader import Texts
from scorecards.positions import records

PAYLOAD_VERSION = 1
# Said by every page, JSON, CSV and workbook of a scorecard published before its cycle's period ended.
EARLY_NOTE = N_("published before the cycle closed")
ORG_FIGURES = (
    "index",
    "previous_index",
    "index_change",
    "trend",
    "due_count",
    "on_time_share",
    "overdue",
    "median_days_late",
    "evidence_share",
    "verified_share",
    "expectations_met",
    "expectations_total",
    "champion_status",
)
AREA_FIGURES = ("self_level", "level", "previous_level", "change", "has_evidence", "verified")


def cycle_mapping(cycle: CycleInfo) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "name": cycle.name,
        "period_start": cycle.period_start.isoformat(),
        "period_end": cycle.period_end.isoformat(),
        "due_date": cycle.due_date.isoformat(),
    }


@dataclass
class PayloadParts:
    """Per-organization figures of one cycle as plain values, extracted once for every audience."""

    orgs: dict[int, dict[str, Any]]
    areas: dict[int, list[dict[str, Any]]]


def payload_parts(orgs_frame: pd.DataFrame, areas_frame: pd.DataFrame, areas: pd.DataFrame) -> PayloadParts:
    """Turn the engine's frames (`Scores.orgs`, `Scores.areas`) into plain per-organization values."""
    org_columns = ["acronym", "name", "org_type", "status", "published", "published_early", *ORG_FIGURES]
    org_columns += ["flags"]
    # Read by the lateness flags' words only (`flag_label`); not a figure of the payload.
    org_columns += [c for c in ("overdue_30",) if c in orgs_frame.columns]
    orgs = {}
    for org_id, row in zip(orgs_frame.index, records(orgs_frame[org_columns]), strict=True):
        orgs[int(org_id)] = row
    names = dict(zip(areas["key"], areas["name"], strict=True))
    weights = dict(zip(areas["key"], areas["weight"].astype(float), strict=True))
    area_frame = areas_frame.reset_index()
    area_frame = area_frame[area_frame["area_key"].isin(names)]
    order = {key: position for position, key in enumerate(areas["key"])}
    area_frame = area_frame.assign(_order=area_frame["area_key"].map(order)).sort_values(["org_id", "_order"])
    by_org: dict[int, list[dict[str, Any]]] = {}
    for row in records(area_frame[["org_id", "area_key", *AREA_FIGURES, "flags"]]):
        key = row["area_key"]
        item = {"key": key, "name": names[key], "weight": weights[key]}
        item.update({name: row[name] for name in AREA_FIGURES})
        item["level_name"] = LEVELS[row["level"]]
        item["self_level_name"] = LEVELS[row["self_level"]]
        item["flags"] = [{"key": f, "label": AREA_FLAG_LABELS[f]} for f in row["flags"]]
        by_org.setdefault(row["org_id"], []).append(item)
    return PayloadParts(orgs=orgs, areas=by_org)


def organization_payload(
    parts: PayloadParts, org_id: int, texts: Texts, cycle: CycleInfo, audience: str, as_of: Any
) -> dict[str, Any]:
    """The scorecard of one organization at one audience (texts already filtered for it)."""
    org = parts.orgs[org_id]
    narratives, evidence = texts.narratives, texts.evidence
    area_items = [
        {
            **area,
            "narrative": narratives.get((org_id, area["key"])),
            "evidence": evidence.get((org_id, area["key"]), []),
        }
        for area in parts.areas.get(org_id, [])
    ]
    return {
        "version": PAYLOAD_VERSION,
        "audience": audience,
        "as_of": str(as_of),
        "organization": {
            "id": int(org_id),
            "acronym": org["acronym"],
            "name": org["name"],
            "org_type": org["org_type"],
            "org_type_label": ORG_TYPE_LABELS.get(org["org_type"], org["org_type"]),
        },
        "cycle": cycle_mapping(cycle),
        "status": org["status"],
        "published": bool(org["published"]),
        # Frozen with the snapshot: a cycle published before its period ended says so for good.
        "published_early": bool(org["published_early"]),
        "publication_note": EARLY_NOTE if org["published_early"] else None,
        "figures": {name: org[name] for name in ORG_FIGURES},
        "flags": [{"key": f, "label": flag_label(f, org)} for f in org["flags"]],
        "areas": area_items,
        "comments": texts.comments.get(org_id, []),
        "expectations": texts.expectations.get(org_id, []),
    }


def flag_label(key: str, org: Any) -> str:
    """A flag's words, with the figures behind the lateness flags."""
    label = FLAG_LABELS[key]
    if key == "milestones_overdue_30" and org.get("overdue_30") is not None:
        return f"{label}: {int(org['overdue_30'])}"
    if key == "on_time_below_half" and org.get("on_time_share") is not None:
        return f"{label}: {org['on_time_share']:g}% of {int(org['due_count'])}"
    return label


ORG_COLUMNS = ("org_id", "acronym", "name", "org_type", "status", "published", "published_early",
               *ORG_FIGURES, "flags")  # fmt: skip
AREA_COLUMNS = ("org_id", "area_key", *AREA_FIGURES, "flags")


def scores_from_payloads(payloads: Iterable[dict[str, Any]]) -> Scores:
    """Frames equal to the engine's, rebuilt from frozen payloads (all published in the cycle).

    Rows are gathered as tuples (a fifth of the memory of dicts, and pandas infers the columns'
    types the same way from either), and equal flag tuples are one object."""
    org_rows = []
    area_rows = []
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    for payload in payloads:
        org = payload["organization"]
        figures = payload["figures"]
        flags = tuple(flag["key"] for flag in payload["flags"])
        org_rows.append(
            (
                org["id"],
                org["acronym"],
                org["name"],
                org["org_type"],
                payload["status"],
                payload["published"],
                bool(payload.get("published_early", False)),
                *(figures.get(name) for name in ORG_FIGURES),
                shared.setdefault(flags, flags),
            )
        )
        for area in payload["areas"]:
            flags = tuple(flag["key"] for flag in area["flags"])
            area_rows.append(
                (
                    org["id"],
                    area["key"],
                    *(area.get(name) for name in AREA_FIGURES),
                    shared.setdefault(flags, flags),
                )
            )
    orgs = pd.DataFrame(org_rows, columns=list(ORG_COLUMNS)).set_index("org_id").sort_index()
    for column in ("index", "previous_index", "index_change", "on_time_share", "median_days_late",
                   "evidence_share", "verified_share"):  # fmt: skip
        orgs[column] = orgs[column].astype("float64")
    for column in ("due_count", "overdue", "expectations_met", "expectations_total"):
        orgs[column] = orgs[column].astype("int64")
    orgs["published"] = orgs["published"].astype(bool)
    orgs["published_early"] = orgs["published_early"].astype(bool)
    areas = pd.DataFrame(area_rows, columns=list(AREA_COLUMNS))
    areas = areas.set_index(["org_id", "area_key"]).sort_index()
    for column in ("self_level", "level"):
        areas[column] = areas[column].astype("int64")
    areas["previous_level"] = areas["previous_level"].astype("Int64")
    return Scores(orgs=orgs, areas=areas)
