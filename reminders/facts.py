"""What the timeline check reads: only the rows whose reminder date has come, as plain facts.

Milestones are read by their indexed `next_check_on`, commitments by theirs, submissions only for
cycles inside their reminder window (plus those waiting for sign-off), and the secretariat's monthly
champion-gap scan only while this month's alert is not yet queued. People are read only for the
organizations that have something due. Every query counts the rows it returned in `rows_read`, which
the benchmark prints. Only titles, dates and names are selected: never narratives or descriptions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models.bulk import Row, fetch_in_transaction
from models.clock import local_date
from models.engine import read_transaction
from models.vocabulary import CHAMPION_SENIORITIES, champion_gap
from reminders.rules import (
    SIGNOFF_WAIT_DAYS,
    CommitmentFacts,
    MilestoneFacts,
    Organization,
    OrgPeople,
    Recipient,
    SubmissionFacts,
    cycle_in_window,
)

if TYPE_CHECKING:
    from reminders.review_rules import ReviewFacts, RoundFacts

ID_CHUNK = 5000


@dataclass
class Today:
    """ "Today" per time zone: the given day everywhere, or the local date of `now`."""

    now: dt.datetime
    day: dt.date | None = None
    _by_zone: dict[str, dt.date] = field(default_factory=dict, repr=False)

    def of(self, time_zone: str) -> dt.date:
        if self.day is not None:
            return self.day
        found = self._by_zone.get(time_zone)
        if found is None:
            found = self._by_zone[time_zone] = local_date(self.now, time_zone)
        return found

    @property
    def utc(self) -> dt.date:
        return self.day if self.day is not None else self.now.astimezone(dt.UTC).date()


@dataclass
class CheckFacts:
    milestones: list[tuple[MilestoneFacts, str, dt.date | None]] = field(default_factory=list)
    commitments: list[tuple[CommitmentFacts, dt.date | None]] = field(default_factory=list)
    submissions: list[SubmissionFacts] = field(default_factory=list)
    signoffs: list[SubmissionFacts] = field(default_factory=list)
    gaps: list[tuple[Organization, str]] = field(default_factory=list)
    secretariat: list[Recipient] = field(default_factory=list)
    people: dict[int, OrgPeople] = field(default_factory=dict)
    reviews: list[ReviewFacts] = field(default_factory=list)
    rounds: list[RoundFacts] = field(default_factory=list)
    rows_read: Counter[str] = field(default_factory=Counter)

    def people_of(self, org_id: int) -> OrgPeople:
        return self.people.get(org_id, OrgPeople())


def chunks(ids: Sequence[int], size: int = ID_CHUNK) -> Iterable[str]:
    """Comma-separated integer lists for `IN (...)`; ints only, so inlining them is safe."""
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), size):
        yield ", ".join(str(i) for i in unique[start : start + size])


async def _read(facts: CheckFacts, table: str, sql: str, *args: Any) -> list[Row]:
    rows = await fetch_in_transaction(sql, args)
    facts.rows_read[table] += len(rows)
    return rows


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


async def load_facts(today: Today, secretariat_keys_exist: Any) -> CheckFacts:
    """Read everything due as of `today` in one read transaction (a consistent snapshot).

    `secretariat_keys_exist(recipients, day)` tells whether this month's champion-gap alert is
    queued already, which skips the scan of every organization's champions.
    """
    async with read_transaction():
        return await _load_facts(today, secretariat_keys_exist)


async def _load_facts(today: Today, secretariat_keys_exist: Any) -> CheckFacts:
    facts = CheckFacts()
    zones = await _read(
        facts, "organization", "SELECT DISTINCT time_zone FROM organization WHERE active = {}", True
    )
    days = [today.of(row["time_zone"]) for row in zones] or [today.utc]
    first_day, last_day = min(days), max(days)

    milestone_rows = await _read(
        facts,
        "milestone",
        "SELECT m.id, m.title, m.due_date, m.status, m.derived_state, m.next_check_on, "
        "c.id AS commitment_id, c.title AS commitment_title, c.owner, c.organization "
        "FROM milestone m JOIN commitment c ON c.id = m.commitment "
        "WHERE m.next_check_on <= {}",
        last_day,
    )
    commitment_rows = await _read(
        facts,
        "commitment",
        # The newest progress update too, in case `last_update_at` lags behind (an index lookup).
        "SELECT c.id, c.title, c.status, c.owner, c.organization, c.last_update_at, c.created_at, "
        "c.next_check_on, (SELECT MAX(p.created_at) FROM progress_update p WHERE p.commitment = c.id) "
        "AS latest_update FROM commitment c "
        "WHERE c.status = 'active' AND (c.next_check_on IS NULL OR c.next_check_on <= {})",
        last_day,
    )

    cycles = await _read(facts, "cycle", "SELECT id, name, due_date FROM cycle ORDER BY due_date")
    window = [
        c for c in cycles if any(cycle_in_window(_date(c["due_date"]), d) for d in (first_day, last_day))
    ]
    # Sign-off waits are counted in local dates; 12 hours cover every time zone's day start.
    signoff_cutoff = dt.datetime.combine(
        last_day - dt.timedelta(days=SIGNOFF_WAIT_DAYS - 1), dt.time(12), tzinfo=dt.UTC
    )
    signoff_rows = await _read(
        facts,
        "submission",
        "SELECT s.id, s.organization, s.submitted_at, c.name AS cycle_name, c.due_date "
        "FROM submission s JOIN cycle c ON c.id = s.cycle "
        "WHERE s.status = 'submitted' AND s.submitted_at < {} ORDER BY s.id",
        signoff_cutoff,
    )

    org_ids = {int(r["organization"]) for r in (*milestone_rows, *commitment_rows, *signoff_rows)}
    all_orgs = bool(window)
    orgs = await _organizations(facts, None if all_orgs else org_ids)
    await _secretariat_and_gaps(facts, today, secretariat_keys_exist)
    member_orgs = set(orgs) if all_orgs else org_ids
    facts.people = await _people(facts, member_orgs)

    for row in milestone_rows:
        org = orgs.get(int(row["organization"]))
        if org is None:
            continue
        m = MilestoneFacts(
            id=int(row["id"]),
            title=row["title"],
            due_date=_date(row["due_date"]),
            status=row["status"],
            commitment_id=int(row["commitment_id"]),
            commitment_title=row["commitment_title"],
            owner_id=row["owner"],
            organization=org,
        )
        facts.milestones.append((m, row["derived_state"] or "", _date(row["next_check_on"])))
    for row in commitment_rows:
        org = orgs.get(int(row["organization"]))
        if org is None:
            continue
        moments = [m for m in (row["last_update_at"], _moment(row["latest_update"])) if m is not None]
        last = max(moments) if moments else row["created_at"]
        c = CommitmentFacts(
            id=int(row["id"]),
            title=row["title"],
            status=row["status"],
            owner_id=row["owner"],
            last_update_on=local_date(last, org.time_zone),
            organization=org,
        )
        facts.commitments.append((c, _date(row["next_check_on"])))
    await _submissions(facts, window, orgs)
    from reminders.review_facts import load_review_facts

    facts.reviews, facts.rounds = await load_review_facts()
    facts.rows_read["review"] += len(facts.reviews)
    for row in signoff_rows:
        org = orgs.get(int(row["organization"]))
        if org is None:
            continue
        facts.signoffs.append(
            SubmissionFacts(
                organization=org,
                cycle_name=row["cycle_name"],
                cycle_due_date=_date(row["due_date"]),
                submission_id=int(row["id"]),
                status="submitted",
                submitted_on=local_date(row["submitted_at"], org.time_zone),
            )
        )
    return facts


def _moment(value: Any) -> dt.datetime | None:
    """A timestamp from an aggregate, which SQLite returns as text."""
    if value is None or isinstance(value, dt.datetime):
        return value
    moment = dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _organization(row: Row) -> Organization:
    return Organization(
        id=int(row["id"]),
        acronym=row["acronym"],
        name=row["name"],
        time_zone=row["time_zone"] or "UTC",
        active=bool(row["active"]),
    )


async def _organizations(facts: CheckFacts, ids: set[int] | None) -> dict[int, Organization]:
    columns = "SELECT id, acronym, name, time_zone, active FROM organization"
    if ids is None:
        rows = await _read(facts, "organization", f"{columns} WHERE active = {{}}", True)
    else:
        rows = []
        for chunk in chunks(list(ids)):
            rows += await _read(facts, "organization", f"{columns} WHERE id IN ({chunk})")
    return {int(row["id"]): _organization(row) for row in rows}


PERSON_COLUMNS = (
    "p.id AS person_id, p.email, p.name, p.email_frequency, p.muted_rules, p.seniority "
    "FROM role_assignment r JOIN person p ON p.id = r.person"
)


async def _people(facts: CheckFacts, org_ids: set[int]) -> dict[int, OrgPeople]:
    """Focal points and champions (active people only) of the given organizations."""
    found: dict[int, dict[str, list[Recipient]]] = defaultdict(lambda: {"focal_point": [], "champion": []})
    for chunk in chunks(list(org_ids)):
        rows = await _read(
            facts,
            "role_assignment",
            f"SELECT r.organization, r.role, {PERSON_COLUMNS} "
            f"WHERE r.role IN ('focal_point', 'champion') AND p.active = {{}} "
            f"AND r.organization IN ({chunk}) ORDER BY p.id",
            True,
        )
        for row in rows:
            found[int(row["organization"])][row["role"]].append(Recipient.from_row(row))
    return {
        org: OrgPeople(focal_points=tuple(roles["focal_point"]), champions=tuple(roles["champion"]))
        for org, roles in found.items()
    }


async def _secretariat_and_gaps(facts: CheckFacts, today: Today, keys_exist: Any) -> None:
    rows = await _read(
        facts,
        "role_assignment",
        f"SELECT DISTINCT {PERSON_COLUMNS} WHERE r.role = 'secretariat' AND p.active = {{}} ORDER BY p.id",
        True,
    )
    facts.secretariat = [Recipient.from_row(row) for row in rows]
    if not facts.secretariat or await keys_exist(facts.secretariat, today.utc):
        return
    senior = ", ".join(f"'{s}'" for s in CHAMPION_SENIORITIES)
    rows = await _read(
        facts,
        "organization",
        "SELECT o.id, o.acronym, o.name, o.time_zone, o.active, p.seniority "
        "FROM organization o "
        "LEFT JOIN role_assignment r ON r.organization = o.id AND r.role = 'champion' "
        "LEFT JOIN person p ON p.id = r.person AND p.active = {} "
        "WHERE o.active = {} AND NOT EXISTS (SELECT 1 FROM role_assignment r2 "
        "JOIN person p2 ON p2.id = r2.person WHERE r2.organization = o.id AND r2.role = 'champion' "
        f"AND p2.active = {{}} AND p2.seniority IN ({senior})) ORDER BY o.id",
        True,
        True,
        True,
    )
    seniorities: dict[int, list[str]] = defaultdict(list)
    orgs: dict[int, Organization] = {}
    for row in rows:
        orgs[int(row["id"])] = _organization(row)
        if row["seniority"] is not None:
            seniorities[int(row["id"])].append(row["seniority"])
    for org_id, org in orgs.items():
        reason = champion_gap(seniorities.get(org_id, []))
        if reason:
            facts.gaps.append((org, reason))


async def _submissions(facts: CheckFacts, cycles: list[Row], orgs: dict[int, Organization]) -> None:
    """Each active organization's submission (or its absence) for the cycles inside their window."""
    for cycle in cycles:
        rows = await _read(
            facts,
            "submission",
            "SELECT id, organization, status FROM submission WHERE cycle = {}",
            cycle["id"],
        )
        by_org = {int(row["organization"]): row for row in rows}
        for org_id, org in sorted(orgs.items()):
            row = by_org.get(org_id)
            facts.submissions.append(
                SubmissionFacts(
                    organization=org,
                    cycle_name=cycle["name"],
                    cycle_due_date=_date(cycle["due_date"]),
                    submission_id=int(row["id"]) if row else None,
                    status=row["status"] if row else None,
                )
            )
