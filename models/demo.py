"""Deterministic demo data: fictional organizations, clearly marked, with every case docs/design.md names.

The same generator scales for benchmarks (`demo --orgs 2000`). Output depends only on the
arguments and the anchor date (today by default), never on a clock or a global random state.
Rows are built in memory with explicit ids and written with one bulk insert.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from models.bulk import bulk_insert, next_ids
from models.engine import fetch
from models.timeline import next_check_on

DEMO_PASSWORD = "demo-password"
DEMO_DOMAIN = "demo.cop-tracker.example"

# (name, acronym, type): fictional, and marked "(demo)" wherever the name is shown.
DEMO_ORGANIZATIONS = [
    ("Northbridge Relief Agency", "NRA", "un_agency"),
    ("United Shelter Programme", "USP", "un_agency"),
    ("Children's Futures Fund", "CFF", "un_agency"),
    ("World Food Lifeline", "WFL", "un_agency"),
    ("Harbor Aid International", "HAI", "ngo"),
    ("Open Hands Alliance", "OHA", "ngo"),
    ("Riverside Medical Corps", "RMC", "ngo"),
    ("Safe Passage Network", "SPN", "ngo"),
    ("Lantern Refugee Council", "LRC", "ngo"),
    ("Coalition for Humanitarian Standards", "CHS", "consortium"),
    ("Joint NGO Forum", "JNF", "consortium"),
    ("Red Crescent of Eastland", "RCE", "rcrc"),
    ("Westmark Red Cross", "WRC", "rcrc"),
    ("Humanitarian Data Collaborative", "HDC", "other"),
]
# Index in DEMO_ORGANIZATIONS of the organization whose champion is below deputy level, and of the
# one without a champion.
JUNIOR_CHAMPION_ORG = 6
NO_CHAMPION_ORG = 8
# How many of the first organizations take part in the demo's peer-review rounds.
REVIEW_ROUND_ORGS = 6

# The demo's own texts per area; the areas themselves are the `area` table's rows.
COMMITMENT_TITLES = {
    "champion": ["Appoint a deputy-level CoP champion", "Adopt champion terms of reference"],
    "policy": ["Write CoP into the organizational strategy", "Adopt a protection policy annex"],
    "capacity": ["Roll out CoP training for country teams", "Recruit protection advisers"],
    "reporting": ["Add CoP indicators to the results framework", "Report CoP in the annual report"],
    "budget": ["Create a CoP budget line", "Allocate protection mainstreaming funds"],
}
DONOR_EXPECTATIONS = [
    ("champion", "A senior champion at deputy level or above is named and active."),
    ("policy", "CoP is part of an adopted organizational policy or strategy."),
    ("budget", "A dedicated budget line for CoP exists."),
]


def cycle_of(day: dt.date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def cycle_bounds(year: int, half: int) -> tuple[str, dt.date, dt.date, dt.date]:
    start = dt.date(year, 1 if half == 1 else 7, 1)
    end = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
    return f"{year}-H{half}", start, end, end + dt.timedelta(days=31)


def previous_half(year: int, half: int) -> tuple[int, int]:
    return (year, 1) if half == 2 else (year - 1, 2)


@dataclass
class DemoSummary:
    organizations: int = 0
    people: int = 0
    commitments: int = 0
    milestones: int = 0
    updates: int = 0
    cycles: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    # Organizations with a peer reviewer of their own: the demo's review rounds, written after publishing.
    round_reviewers: list[int] = field(default_factory=list)


class DemoNotEmptyError(RuntimeError):
    pass


def organization_specs(count: int) -> list[tuple[str, str, str]]:
    specs = [(f"{name} (demo)", acronym, kind) for name, acronym, kind in DEMO_ORGANIZATIONS]
    types = ("un_agency", "ngo", "consortium", "rcrc", "other")
    for index in range(len(specs), count):
        specs.append((f"Demo Organization {index + 1:04d} (demo)", f"D{index + 1:04d}", types[index % 5]))
    return specs[:count]


async def write_demo(orgs: int, cycles: int, today: dt.date) -> DemoSummary:
    """Write the demo's rows into an empty database (refused when organizations exist).

    Its published cycles get their frozen scorecards from `scorecards.publishing.load_demo`,
    the entry point every caller uses."""
    if orgs < 1 or cycles < 2:
        raise ValueError("the demo needs at least 1 organization and 2 cycles")
    existing = await fetch("SELECT COUNT(*) AS n FROM organization")
    if int(existing[0]["n"]) > 0:
        raise DemoNotEmptyError(
            "the database already has organizations; demo data loads only into an empty database"
        )
    from models.passwords import hash_password

    password_hash = hash_password(DEMO_PASSWORD)
    builder = _DemoBuilder(today=today, password_hash=password_hash)
    await builder.build(organization_specs(orgs), cycles)
    await bulk_insert(builder.batches())
    from models.services.areas import freeze_cycle_areas

    for cycle_id, *_ in builder.cycles:
        await freeze_cycle_areas(cycle_id)
    builder.summary.round_reviewers = sorted(builder.round_reviewers)
    return builder.summary


async def demo_logins() -> list[tuple[str, str]]:
    """The demo sign-ins that still work in this database, in the order a fresh load prints them.

    A second `serve --demo` keeps the data it finds, but a newcomer still needs a way in: the demo
    people who are active, hold a role and still have the demo password are listed again. A person
    whose password was changed is left out rather than printed with a password that no longer works.
    """
    from models.passwords import verify_password

    rows = await fetch(
        "SELECT p.email, p.password_hash, r.role, o.id AS org_id, o.acronym FROM person p "
        "JOIN role_assignment r ON r.person = p.id LEFT JOIN organization o ON o.id = r.organization "
        "WHERE p.email LIKE {} AND p.active ORDER BY p.id, r.id",
        f"%@{DEMO_DOMAIN}",
    )
    first_orgs = sorted({r["org_id"] for r in rows if r["org_id"] is not None})[:3]
    order = {"secretariat": 0, "donor": 1, "focal_point": 2, "champion": 2, "peer_reviewer": 3}
    chosen = [r for r in rows if r["org_id"] is None or r["org_id"] in first_orgs]
    chosen.sort(key=lambda r: (order.get(r["role"], 4), first_orgs.index(r["org_id"]) if r["org_id"] else 0))
    logins: list[tuple[str, str]] = []
    for row in chosen:
        if not verify_password(row["password_hash"], DEMO_PASSWORD):
            continue
        label = row["role"] if row["acronym"] is None else f"{row['role']} of {row['acronym']}"
        logins.append((row["email"], label))
    return logins


class _DemoBuilder:
    def __init__(self, today: dt.date, password_hash: str) -> None:
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.UTC)
        self.password_hash = password_hash
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.wording_of: dict[int, int] = {}
        self.summary = DemoSummary()

    COLUMNS = {
        "organization": (
            "id",
            "name",
            "acronym",
            "org_type",
            "time_zone",
            "active",
            "is_demo",
            "version",
            "created_at",
        ),
        "person": (
            "id",
            "email",
            "name",
            "job_title",
            "seniority",
            "active",
            "password_hash",
            "weekly_digest",
            "version",
            "created_at",
        ),
        "role_assignment": ("id", "person", "role", "organization", "created_at"),
        "cycle": ("id", "name", "period_start", "period_end", "due_date", "created_at"),
        "commitment": (
            "id",
            "organization",
            "area",
            "title",
            "description",
            "description_visibility",
            "owner",
            "target_date",
            "status",
            "last_update_at",
            "version",
            "created_at",
        ),
        "milestone": (
            "id",
            "commitment",
            "title",
            "due_date",
            "completed_on",
            "status",
            "drop_reason",
            "derived_state",
            "next_check_on",
            "version",
            "created_at",
        ),
        "progress_update": (
            "id",
            "commitment",
            "author",
            "cycle",
            "self_level",
            "narrative",
            "visibility",
            "supersedes",
            "created_at",
        ),
        "evidence": (
            "id",
            "progress_update",
            "url",
            "title",
            "visibility",
            "verified_by",
            "verified_at",
            "supersedes",
            "version",
            "created_at",
        ),
        "assessment": (
            "id",
            "organization",
            "cycle",
            "area",
            "self_level",
            "justification",
            "visibility",
            "author",
            "version",
            "created_at",
            "updated_at",
        ),
        "assessment_evidence": (
            "id",
            "assessment",
            "url",
            "title",
            "visibility",
            "verified_by",
            "verified_at",
            "rejection_reason",
            "version",
            "created_at",
        ),
        "submission": (
            "id",
            "organization",
            "cycle",
            "status",
            "submitted_by",
            "submitted_at",
            "approved_by",
            "approved_at",
            "returned_by",
            "returned_at",
            "published_by",
            "published_at",
            "version",
            "created_at",
        ),
        "comment": (
            "id",
            "organization",
            "cycle",
            "submission",
            "area",
            "author",
            "kind",
            "body",
            "visibility",
            "reply_to",
            "created_at",
        ),
        "donor_expectation": ("id", "area", "text", "due_date", "active", "version", "created_at"),
        "expectation_status": ("id", "expectation", "organization", "met", "since"),
        "expectation_wording": ("id", "expectation", "number", "text", "created_at"),
        "expectation_answer": (
            "id",
            "organization",
            "cycle",
            "expectation",
            "wording",
            "answer",
            "note",
            "note_visibility",
            "evidence",
            "review",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "author",
            "version",
            "created_at",
            "updated_at",
        ),
    }

    def add(self, table: str, row: tuple[Any, ...]) -> int:
        rows = self.rows.setdefault(table, [])
        row_id = self.first_id[table] + len(rows)
        rows.append((row_id, *row))
        return row_id

    def batches(self) -> list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        return [(t, cols, self.rows.get(t, [])) for t, cols in self.COLUMNS.items()]

    async def build(self, specs: list[tuple[str, str, str]], cycle_count: int) -> None:
        self.first_id = await next_ids(list(self.COLUMNS))
        area_rows = await fetch("SELECT id, key FROM area ORDER BY position, id")
        self.area_ids = {row["key"]: int(row["id"]) for row in area_rows}
        now = self.now
        # Cycles: the open one holds today; the earlier ones are published.
        halves = [cycle_of(self.today)]
        while len(halves) < cycle_count:
            halves.append(previous_half(*halves[-1]))
        halves.reverse()
        cycles = []
        for year, half in halves:
            name, start, end, due = cycle_bounds(year, half)
            cycle_id = self.add("cycle", (name, start, end, due, now))
            cycles.append((cycle_id, name, start, end, due))
            self.summary.cycles.append(name)
        self.cycles = cycles

        secretariat = self.person(
            "secretariat", "Sam Secretariat (demo)", "CoP secretariat coordinator", "senior_manager"
        )
        self.add("role_assignment", (secretariat, "secretariat", None, now))
        donor = self.person("donor", "Dana Donor (demo)", "Protection Donor Group member", "senior_manager")
        self.add("role_assignment", (donor, "donor", None, now))
        self.secretariat = secretariat
        self.summary.logins += [
            (f"secretariat@{DEMO_DOMAIN}", "secretariat"),
            (f"donor@{DEMO_DOMAIN}", "donor"),
        ]

        expectations = []
        for area_key, text in DONOR_EXPECTATIONS:
            expectation_id = self.add(
                "donor_expectation", (self.area_ids[area_key], text, cycles[-1][4], True, 1, now)
            )
            self.wording_of[expectation_id] = self.add("expectation_wording", (expectation_id, 1, text, now))
            expectations.append((expectation_id, area_key))

        org_ids = []
        for index, (name, acronym, kind) in enumerate(specs):
            org_id = self.add("organization", (name, acronym, kind, "UTC", True, True, 1, now))
            org_ids.append(org_id)
            self.build_organization(index, org_id, acronym, expectations)
        # Peer reviewers: each of the first organizations has one (the `peer_reviewer` role on the
        # reviewing organization); the second one's reviews the first in the demo's open round.
        self.round_reviewers: dict[int, int] = {}
        if len(org_ids) >= 2:
            for index in range(min(REVIEW_ROUND_ORGS, len(org_ids))):
                local = specs[index][1].lower()
                if index < 3:
                    self.summary.logins.append(
                        (f"reviewer.{local}@{DEMO_DOMAIN}", f"peer_reviewer of {specs[index][1]}")
                    )
                person = self.person(
                    f"reviewer.{local}",
                    f"Reviewer of {specs[index][1]} (demo)",
                    "Protection adviser",
                    "technical",
                )
                self.add("role_assignment", (person, "peer_reviewer", org_ids[index], now))
                self.round_reviewers[org_ids[index]] = person
        self.summary.organizations = len(specs)
        self.summary.people = len(self.rows.get("person", []))
        self.summary.commitments = len(self.rows.get("commitment", []))
        self.summary.milestones = len(self.rows.get("milestone", []))
        self.summary.updates = len(self.rows.get("progress_update", []))

    def person(self, local: str, name: str, title: str, seniority: str) -> int:
        return self.add(
            "person",
            (f"{local}@{DEMO_DOMAIN}", name, title, seniority, True, self.password_hash, False, 1, self.now),
        )

    def build_organization(
        self, index: int, org_id: int, acronym: str, expectations: list[tuple[int, str]]
    ) -> None:
        rng = random.Random(index * 7919 + 17)
        now, today = self.now, self.today
        local = acronym.lower()
        focal = self.person(
            f"focal.{local}", f"Focal Point {acronym} (demo)", "Protection focal point", "technical"
        )
        self.add("role_assignment", (focal, "focal_point", org_id, now))
        champion = None
        if index != NO_CHAMPION_ORG:
            seniority = (
                "senior_manager" if index == JUNIOR_CHAMPION_ORG else ("head" if index % 5 == 0 else "deputy")
            )
            champion = self.person(
                f"champion.{local}", f"Champion {acronym} (demo)", "Deputy Director-General", seniority
            )
            self.add("role_assignment", (champion, "champion", org_id, now))
        if index < 3:
            self.summary.logins.append((f"focal.{local}@{DEMO_DOMAIN}", f"focal_point of {acronym}"))
            if champion is not None:
                self.summary.logins.append((f"champion.{local}@{DEMO_DOMAIN}", f"champion of {acronym}"))

        # Maturity grows over the cycles, differently per organization and area.
        base = {key: (0 if rng.random() < 0.06 else rng.randint(1, 2)) for key in self.area_ids}
        base["champion"] = 0 if index == NO_CHAMPION_ORG else max(1, base["champion"])
        open_cycle = self.cycles[-1]
        assessed: dict[tuple[str, int], tuple[Any, ...]] = {}
        for area_key in self.area_ids:
            for slot, title in enumerate(COMMITMENT_TITLES.get(area_key, [])):
                if base[area_key] == 0:
                    continue  # an area not started has no commitment yet
                commitment = self.add(
                    "commitment",
                    (
                        org_id,
                        self.area_ids[area_key],
                        title,
                        f"{title} across headquarters and country offices. Internal planning note for {acronym}.",
                        "internal" if slot == 0 else "peer",
                        focal,
                        open_cycle[3] + dt.timedelta(days=180 * (slot + 1)),
                        "active",
                        now - dt.timedelta(days=(10 if slot == 0 else 120) + index % 30),
                        1,
                        now,
                    ),
                )
                self.build_milestones(rng, commitment, title, slot)
                level = base[area_key]
                for cycle_index, (cycle_id, cycle_name, _start, end, _due) in enumerate(self.cycles):
                    level = min(4, level + (1 if rng.random() < 0.45 else 0)) if cycle_index else level
                    if area_key == "champion" and index == NO_CHAMPION_ORG:
                        level = 0
                    visibility = ("internal", "peer", "donor")[(index + slot + cycle_index) % 3]
                    created = dt.datetime.combine(
                        min(end, today - dt.timedelta(days=5)), dt.time(12, slot), tzinfo=dt.UTC
                    )
                    update = self.add(
                        "progress_update",
                        (
                            commitment,
                            focal,
                            cycle_id,
                            level,
                            f"{cycle_name}: progress on '{title}'. "
                            + (
                                "Confidential: field office concern shared internally only."
                                if visibility == "internal"
                                else "Shared summary of progress."
                            ),
                            visibility,
                            None,
                            created,
                        ),
                    )
                    link = None
                    if level >= 3:
                        verified = level == 4 and rng.random() < 0.7
                        link = (
                            f"https://{local}.example.org/cop/{area_key}/{slot}/{cycle_name}",
                            f"{title}: supporting document",
                            "donor" if slot == 0 else "internal",
                            self.secretariat if verified else None,
                            created + dt.timedelta(days=3) if verified else None,
                        )
                        self.add("evidence", (update, *link, None, 1, created))
                    # The area's assessment in the cycle's report: what the latest update said.
                    narrative = self.rows["progress_update"][-1][5]
                    assessed[(area_key, cycle_id)] = (level, narrative, visibility, created, link)

        for (area_key, cycle_id), (level, narrative, visibility, created, link) in assessed.items():
            assessment = self.add(
                "assessment",
                (
                    org_id,
                    cycle_id,
                    self.area_ids[area_key],
                    level,
                    narrative,
                    visibility,
                    focal,
                    1,
                    created,
                    created,
                ),
            )
            if link is not None:
                self.add("assessment_evidence", (assessment, *link, "", 1, created))

        for cycle_index, (cycle_id, cycle_name, _start, _end, due) in enumerate(self.cycles):
            is_open = cycle_index == len(self.cycles) - 1
            submitter = focal
            if not is_open:
                sub_at = dt.datetime.combine(
                    due - dt.timedelta(days=3 + index % 5), dt.time(10), tzinfo=dt.UTC
                )
                status = "published"
                approved_by = champion or self.secretariat
                row = (
                    org_id,
                    cycle_id,
                    status,
                    submitter,
                    sub_at,
                    approved_by,
                    sub_at + dt.timedelta(days=2),
                    None,
                    None,
                    self.secretariat,
                    sub_at + dt.timedelta(days=5),
                    1,
                    sub_at,
                )
            else:
                status = ("draft", "submitted", "draft", "approved", "draft")[index % 5]
                sub_at = now - dt.timedelta(days=9) if status in ("submitted", "approved") else None
                row = (
                    org_id,
                    cycle_id,
                    status,
                    submitter if sub_at else None,
                    sub_at,
                    champion if status == "approved" else None,
                    now - dt.timedelta(days=2) if status == "approved" else None,
                    None,
                    None,
                    None,
                    None,
                    1,
                    now,
                )
            submission = self.add("submission", row)
            if not is_open and champion is not None:
                self.add(
                    "comment",
                    (
                        org_id,
                        cycle_id,
                        submission,
                        None,
                        champion,
                        "champion",
                        f"Internal note from the champion of {acronym} on {cycle_name}: approved after review.",
                        "internal",
                        None,
                        row[4],
                    ),
                )

        for expectation_id, area_key in expectations:
            met = base[area_key] >= 2 or rng.random() < 0.3
            self.add("expectation_status", (expectation_id, org_id, met, self.cycles[0][2] if met else None))
            # Each closed cycle's report answered it; the secretariat confirmed every "met".
            for cycle_id, *_rest in self.cycles[:-1]:
                answer = "met" if met else rng.choice(("partly", "not_yet"))
                review = "confirmed" if met or answer == "not_yet" else "pending"
                self.add(
                    "expectation_answer",
                    (org_id, cycle_id, expectation_id, self.wording_of[expectation_id], answer, "",
                     "internal", "[]", review, "", None, self.now if review == "confirmed" else None,
                     None, 1, self.now, self.now),
                )  # fmt: skip

    def build_milestones(self, rng: random.Random, commitment: int, title: str, slot: int) -> None:
        today, now = self.today, self.now
        plans = [
            (
                "Draft and consult",
                today - dt.timedelta(days=200 + slot * 10),
                "done",
                today - dt.timedelta(days=205),
            ),
            (
                "Senior management sign-off",
                today - dt.timedelta(days=60 + rng.randint(0, 30)),
                "done",
                today - dt.timedelta(days=50),
            ),
            (
                "Country office roll-out",
                today - dt.timedelta(days=5 + rng.randint(0, 40)),
                "in_progress",
                None,
            ),
            ("Mid-term check", today + dt.timedelta(days=3 + rng.randint(0, 11)), "planned", None),
            ("Final review", today + dt.timedelta(days=120 + rng.randint(0, 200)), "planned", None),
        ]
        for label, due, status, completed in plans:
            self.add(
                "milestone",
                (
                    commitment,
                    f"{label}: {title}",
                    due,
                    completed,
                    status,
                    "",
                    "",
                    next_check_on(due, status),
                    1,
                    now,
                ),
            )
