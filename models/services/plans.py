"""Importing an action plan: rows of a matrix into commitments and milestones, all or nothing.

docs/design.md "Importing plans". One door (`plan_import.import_plan`) for the CLI, the API and the page:
read the file (`models.plan_files`), plan every row (`plan_rows`: which organization, which area,
which milestones, created / unchanged / refused and why), then write every planned row in one
transaction, or none when a row is refused. An exported plan (ids and versions) goes to the round
trip (`models.services.plan_roundtrip`) through the same door.

Idempotent: each row's fingerprint (the organization's id with the row's values) is stored in
`import_row`; a row already imported is `unchanged`. Every commitment written is audited with the
import's id and file name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from models import audit
from models.bulk import insert_rows
from models.caller import Caller
from models.engine import fetch, is_sqlite, write_transaction
from models.errors import UserError
from models.plan_files import PlanRow, PlanTable
from models.services.submissions import reopen_approved
from models.timeframes import ParsedMilestone, parse_timeframes
from models.words import N_, gettext

TITLE_MAX = 300
STATUS_WORDS = {
    "active": ("active", "ongoing", "on going", "in progress", "planned", "not started", "open", "en cours",
               "prevu", "a faire", "pending"),
    "completed": ("completed", "complete", "done", "achieved", "finished", "closed", "termine", "realise",
                  "acheve", "fait"),
    "dropped": ("dropped", "cancelled", "canceled", "abandoned", "discontinued", "annule", "abandonne"),
}  # fmt: skip
# How the summary counts each outcome ("3 created, 1 unchanged").
STATUS_COUNTS = {
    "created": N_("%(count)s created"),
    "updated": N_("%(count)s updated"),
    "unchanged": N_("%(count)s unchanged"),
    "refused": N_("%(count)s refused"),
}
STOP_WORDS = frozenset(
    "a an and at be by for from in into is it of on or the to with its their our place cop protection "
    "organizational organization level staff exist exists out own through above named terms reference "
    "system first".split()
)


@dataclass
class RowOutcome:
    row: int
    status: str  # created, updated, unchanged, refused
    organization: str | None = None
    commitment_id: int | None = None
    reason: str = ""
    title: str = ""
    area: str | None = None
    milestones: list[dict[str, Any]] = field(default_factory=list)
    sheet: str = ""  # the sheet of an exported plan (its two sheets number their rows apart)
    organization_id: int | None = None

    def report(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "sheet": self.sheet,
            "status": self.status,
            "organization": self.organization,
            "commitment_id": self.commitment_id,
            "reason": self.reason,
            "title": self.title,
            "area": self.area,
            "milestones": self.milestones,
        }


@dataclass
class ImportResult:
    import_id: str
    file_name: str
    dry_run: bool
    written: bool
    rows: list[RowOutcome]
    suggested: int = 0  # rows whose area was only suggested (a real import needs --accept-suggestions)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("created", "updated", "unchanged", "refused"), 0)
        for outcome in self.rows:
            counts[outcome.status] += 1
        return counts

    @property
    def refused(self) -> list[RowOutcome]:
        return [o for o in self.rows if o.status == "refused"]

    def summary(self) -> str:
        counts = self.counts()
        words = {status: gettext(word) for status, word in STATUS_COUNTS.items()}
        told = ", ".join(words[status] % {"count": n} for status, n in counts.items() if n) or gettext(
            "no rows"
        )
        if self.dry_run:
            tail = gettext("dry run: nothing was written")
            if self.suggested:
                tail += gettext(
                    "; %(count)s rows take a suggested area (accept with --accept-suggestions)",
                    count=self.suggested,
                )
        elif not self.written and self.refused:
            first = self.refused[0]
            return gettext(
                "%(file)s: nothing was written: %(refused)s of %(rows)s rows refused; first, row %(row)s: %(reason)s",
                file=self.file_name,
                refused=len(self.refused),
                rows=len(self.rows),
                row=first.row,
                reason=first.reason,
            )
        elif counts["created"] or counts["updated"]:
            tail = gettext("written")
        else:
            tail = gettext("nothing new to write")
        return gettext("%(file)s: %(counts)s (%(outcome)s)", file=self.file_name, counts=told, outcome=tail)

    def report(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "file": self.file_name,
            "dry_run": self.dry_run,
            "written": self.written,
            "counts": self.counts(),
            "rows": [o.report() for o in self.rows],
        }


@dataclass
class ImportOptions:
    org_id: int | None = None  # every row into this organization
    area: str | None = None  # for rows without an area
    reference_date: dt.date | None = None
    dry_run: bool = False
    sheet: str | None = None
    accept_suggestions: bool = False


@dataclass
class PlannedCommitment:
    """A row's commitment for one organization, ready to insert."""

    outcome: RowOutcome
    org_id: int
    fingerprint: str
    values: dict[str, Any]
    milestones: list[ParsedMilestone]


def name_key(text: str) -> str:
    """Case, accent and punctuation insensitive: 'U.N.H.C.R.' and 'unhcr' are one name."""
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


async def organization_index() -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, Any]]]:
    rows = await fetch("SELECT id, acronym, name, aliases FROM organization WHERE active = {}", True)
    by_name: dict[str, dict[str, Any]] = {}
    for row in rows:
        names = [row["acronym"], row["name"], *str(row["aliases"] or "").split(";")]
        for name in names:
            if name_key(name):
                by_name.setdefault(name_key(name), row)
    return by_name, {int(row["id"]): row for row in rows}


def lead_organizations(lead: str, by_name: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The organizations a lead names ('WFP + NRC' names two), or the part that matches none."""
    whole = by_name.get(name_key(lead))
    if whole is not None:
        return [whole], ""
    found: list[dict[str, Any]] = []
    for part in re.split(r"\s*(?:[+,;/&\n]|\band\b|\bet\b|\bwith\b|\bavec\b)\s*", lead):
        if not name_key(part):
            continue
        match = by_name.get(name_key(part)) or by_name.get(name_key(re.sub(r"\(.*?\)", "", part)))
        if match is None:
            return [], part.strip()
        if match not in found:
            found.append(match)
    return found, ""


@dataclass
class AreaIndex:
    by_name: dict[str, str]  # name key -> area key
    words: dict[str, set[str]]  # area key -> stems of its name and descriptor

    def match(self, text: str) -> str | None:
        return self.by_name.get(name_key(text))

    def suggest(self, text: str) -> str | None:
        """The area whose name and descriptor share most words with the row, if any does."""
        stems = _stems(text)
        scores = {key: len(stems & words) for key, words in self.words.items()}
        best = max(scores.values(), default=0)
        leaders = [key for key, score in scores.items() if score == best]
        return leaders[0] if best > 0 and len(leaders) == 1 else None


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z]{3,}", unicodedata.normalize("NFKD", text).lower())
    return {word[:5] for word in words if word not in STOP_WORDS}


async def area_index() -> AreaIndex:
    rows = await fetch("SELECT key, name, descriptor FROM area ORDER BY position")
    by_name: dict[str, str] = {}
    words: dict[str, set[str]] = {}
    for row in rows:
        for name in (row["key"], row["name"], *re.split(r"\s+(?:and|&)\s+", row["name"])):
            by_name.setdefault(name_key(name), row["key"])
        words[row["key"]] = _stems(f"{row['key']} {row['name']} {row['descriptor']}")
    return AreaIndex(by_name, words)


def commitment_status(value: Any) -> str | None:
    key = " ".join(re.sub(r"[^a-z ]", " ", name_key_spaced(str(value))).split())
    for status, words in STATUS_WORDS.items():
        if key in words:
            return status
    return None


def name_key_spaced(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def fingerprint(org_id: int, row: PlanRow) -> str:
    values = {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in row.values.items()}
    payload = json.dumps([org_id, sorted(values.items()), sorted(row.extra.items())], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _title_and_rest(text: str) -> tuple[str, str]:
    """A title fits one line of 300 characters; a longer action keeps its full text in the description."""
    one_line = " ".join(text.split())
    if len(one_line) <= TITLE_MAX and "\n" not in text.strip():
        return one_line, ""
    return one_line[: TITLE_MAX - 1].rstrip() + "…", text.strip()


def _description(row: PlanRow, columns: dict[str, str], rest: str) -> str:
    parts = [rest] if rest else []
    for meaning in ("description", "comments"):
        if row.values.get(meaning):
            parts.append(f"{columns[meaning]}: {row.values[meaning]}")
    parts.extend(f"{header}: {text}" for header, text in row.extra.items())
    return "\n\n".join(parts)[:20_000]


def milestone_report(milestone: ParsedMilestone, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "due_date": milestone.due_date.isoformat() if milestone.due_date else None,
        "note": milestone.note,
        "text": milestone.text,
    }


def _milestone_title(milestone: ParsedMilestone, commitment_title: str) -> str:
    title = milestone.title or commitment_title
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _timeframes(row: PlanRow, reference: dt.date | None) -> tuple[list[ParsedMilestone], dt.date | None]:
    milestones = parse_timeframes(str(row.values.get("timeframe", "")), reference)
    due = row.values.get("due")
    target = None
    if isinstance(due, dt.date):
        target = due
    elif due not in (None, ""):
        parsed = parse_timeframes(str(due), reference)
        dated = [m.due_date for m in parsed if m.due_date]
        target = max(dated) if dated else None
        if not milestones:
            milestones = parsed
    return milestones, target


async def plan_rows(
    caller: Caller, table: PlanTable, options: ImportOptions
) -> tuple[list[PlannedCommitment], list[RowOutcome], int]:
    """Every row's fate, without writing: the commitments to create and each row's outcome."""
    by_name, by_id = await organization_index()
    areas = await area_index()
    default_area = None
    if options.area is not None:
        default_area = areas.match(options.area)
        if default_area is None:
            raise UserError(
                N_("no area %(area)r: use one of %(areas)s"),
                field="area",
                area=options.area,
                areas=", ".join(areas.words),
            )
    fixed = by_id.get(options.org_id) if options.org_id is not None else None
    if options.org_id is not None and fixed is None:
        raise UserError(N_("no active organization with id %(org_id)s"), field="org", org_id=options.org_id)
    known = {
        row["fingerprint"]: row
        for row in await fetch("SELECT fingerprint, commitment FROM import_row")
    }  # fmt: skip
    planned: list[PlannedCommitment] = []
    outcomes: list[RowOutcome] = []
    seen: dict[str, int] = {}
    suggested = 0
    for row in table.rows:
        raw_title = str(row.values.get("title") or row.values.get("milestone") or "").strip()
        outcome = RowOutcome(row.number, "created")
        outcomes.append(outcome)
        if not raw_title:
            outcome.status, outcome.reason = "refused", gettext("the row has no title (action)")
            continue
        title, rest = _title_and_rest(raw_title)
        outcome.title = title
        if fixed is not None:
            targets = [fixed]
        elif row.values.get("lead"):
            targets, unmatched = lead_organizations(str(row.values["lead"]), by_name)
            if unmatched:
                outcome.status = "refused"
                outcome.reason = gettext(
                    "lead %(lead)r matches no organization (by acronym, name or alias)", lead=unmatched
                )
                continue
        else:
            outcome.status, outcome.reason = (
                "refused",
                gettext("no lead organization: fill the lead column or give --org"),
            )
            continue
        refusal = next(
            (
                gettext("you may not change the plan of %(acronym)s", acronym=t["acronym"])
                for t in targets
                if not caller.can_edit(int(t["id"]))
            ),
            "",
        )
        if refusal:
            outcome.status, outcome.reason = "refused", refusal
            continue
        area = areas.match(str(row.values["area"])) if row.values.get("area") else default_area
        if row.values.get("area") and area is None:
            outcome.status = "refused"
            outcome.reason = gettext(
                "area %(area)r is none of: %(areas)s", area=row.values["area"], areas=", ".join(areas.words)
            )
            continue
        if area is None:
            guess = areas.suggest(
                f"{raw_title} {row.values.get('timeframe', '')} {row.values.get('comments', '')}"
            )
            if guess is None:
                outcome.status, outcome.reason = (
                    "refused",
                    gettext("no area and none can be suggested: add an area column or give --area"),
                )
                continue
            area = guess
            outcome.reason = gettext("area %(area)r suggested from the row's words (accepted)", area=guess)
            if not options.accept_suggestions:
                suggested += 1
                outcome.reason = gettext("area %(area)r suggested from the row's words", area=guess)
                if not options.dry_run:
                    outcome.status = "refused"
                    outcome.reason = gettext(
                        "area %(area)r suggested from the row's words: accept it with --accept-suggestions, "
                        "or give --area or an area column",
                        area=guess,
                    )
                    continue
        outcome.area = area
        status = "active"
        if row.values.get("status"):
            status = commitment_status(row.values["status"]) or ""
            if not status:
                outcome.status = "refused"
                outcome.reason = gettext(
                    "status %(status)r is none of: active, completed, dropped", status=row.values["status"]
                )
                continue
        milestones, target = _timeframes(row, options.reference_date)
        outcome.milestones = [milestone_report(m, _milestone_title(m, title)) for m in milestones]
        values = {
            "area": area,
            "title": title,
            "description": _description(row, table.columns, rest),
            "status": status,
            "target_date": target,
        }
        # One outcome per organization: "WFP + NRC" gives each its own commitment.
        for index, target_org in enumerate(targets):
            each = (
                outcome
                if index == 0
                else RowOutcome(
                    row.number,
                    outcome.status,
                    title=title,
                    area=area,
                    reason=outcome.reason,
                    milestones=outcome.milestones,
                )
            )
            if index:
                outcomes.append(each)
            each.organization = str(target_org["acronym"])
            row_print = fingerprint(int(target_org["id"]), row)
            if row_print in known:
                each.status, each.commitment_id = "unchanged", known[row_print]["commitment"]
                each.reason = gettext("imported before")
            elif row_print in seen:
                each.status, each.reason = "unchanged", gettext("same as row %(row)s", row=seen[row_print])
            else:
                seen[row_print] = row.number
                planned.append(PlannedCommitment(each, int(target_org["id"]), row_print, values, milestones))
    return planned, outcomes, suggested


async def _reserve_ids(table: str, count: int) -> list[int]:
    """Ids for rows inserted in one batch (inside the write transaction: SQLite holds the write
    lock; PostgreSQL hands out sequence values no other transaction gets)."""
    if count == 0:
        return []
    if is_sqlite():
        rows = await fetch(f"SELECT COALESCE(MAX(id), 0) AS top FROM {table}")
        first = int(rows[0]["top"]) + 1
        return list(range(first, first + count))
    rows = await fetch(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, {int(count)})"
    )
    return sorted(int(row["id"]) for row in rows)


async def write_planned(
    caller: Caller, planned: list[PlannedCommitment], import_id: str, file_name: str
) -> None:
    """Insert every planned commitment, its milestones, its import row and its audit event, in one
    transaction; the approved submissions of the organizations touched go back to draft."""
    from models.services.milestones import timeline_columns

    async with write_transaction():
        area_ids = {row["key"]: int(row["id"]) for row in await fetch("SELECT id, key FROM area")}
        commitment_ids = await _reserve_ids("commitment", len(planned))
        milestone_count = sum(len(p.milestones) for p in planned)
        milestone_ids = iter(await _reserve_ids("milestone", milestone_count))
        commitments, milestones, import_rows, events = [], [], [], []
        for plan, commitment_id in zip(planned, commitment_ids, strict=True):
            values = plan.values
            commitments.append(
                {
                    "id": commitment_id,
                    "organization": plan.org_id,
                    "area": area_ids[values["area"]],
                    "title": values["title"],
                    "description": values["description"],
                    "description_visibility": "internal",
                    "status": values["status"],
                    "target_date": values["target_date"],
                    "version": 1,
                }
            )
            written = []
            for parsed in plan.milestones:
                milestone_id = next(milestone_ids)
                title = _milestone_title(parsed, values["title"])
                milestones.append(
                    {
                        "id": milestone_id,
                        "commitment": commitment_id,
                        "title": title,
                        "due_date": parsed.due_date,
                        "timeframe_text": parsed.text[:20_000],
                        "date_flags": ",".join(parsed.flags),
                        "status": "planned",
                        "drop_reason": "",
                        "version": 1,
                        **timeline_columns(parsed.due_date, "planned"),
                    }
                )
                written.append({"id": milestone_id, **milestone_report(parsed, title)})
            import_rows.append(
                {
                    "organization": plan.org_id,
                    "fingerprint": plan.fingerprint,
                    "import_id": import_id,
                    "file_name": file_name[:255],
                    "row_number": plan.outcome.row,
                    "commitment": commitment_id,
                }
            )
            after = {
                "import_id": import_id,
                "file": file_name,
                "row": plan.outcome.row,
                "organization_id": plan.org_id,
                **values,
                "milestones": written,
            }
            events.append(
                {
                    "actor": caller.person_id,
                    "actor_label": caller.email or caller.via,
                    "action": "import",
                    "entity": "commitment",
                    "entity_id": str(commitment_id),
                    "after": json.dumps(audit.jsonable(after), ensure_ascii=False),
                }
            )
            plan.outcome.commitment_id = commitment_id
        await insert_rows("commitment", commitments)
        await insert_rows("milestone", milestones)
        await insert_rows("import_row", import_rows)
        await insert_rows("audit_event", events)
        for org_id in sorted({p.org_id for p in planned}):
            await reopen_approved(caller, org_id, f"plan imported from {file_name} ({import_id})")
