"""Organizations' answers to the donor group's expectations, one per expectation and cycle.

A focal point answers each active expectation in the cycle's report (met, partly, not yet, not
applicable) with a note (with a visibility) and evidence links (each with a visibility). Like the
assessments, answers change only while the report is a draft or returned, and a change to an
approved report reopens it: the champion's sign-off covers them. The secretariat confirms an answer
or questions it (with a question the organization reads); only a confirmed "met" counts as met in
scorecards, which read the confirmed standing from `expectation_status` (docs/design.md "Donor
expectations"). Published snapshots freeze the answers at each audience (`scorecards.loader`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from models import audit, evidence_files
from models.caller import Caller
from models.clock import today, utcnow
from models.engine import fetch, one_or_not_found, write_transaction
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.services.assessments import LOCKED_STATUSES, clean_links
from models.services.common import (
    check_version,
    choice,
    read_audience,
    require_editor,
    text_block,
    visibility,
)
from models.services.cycles import cycle_by_name
from models.services.evidence import checked_files, stored, titled
from models.services.submissions import reopen_approved
from models.tables import ExpectationAnswer, ExpectationAnswerFile, ExpectationStatus
from models.vocabulary import EXPECTATION_ANSWERS, visibilities_for
from models.words import N_

ANSWER_COLUMNS = (
    "x.id, x.expectation AS expectation_id, x.answer, x.note, x.note_visibility, x.evidence, x.review, "
    "x.review_note, x.reviewed_at, x.version, x.updated_at, w.number AS wording_number, "
    "w.text AS wording_text"
)


def _links(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, (str, bytes)) else list(value or [])


async def _answers(org_id: int, cycle_id: int) -> dict[int, dict[str, Any]]:
    rows = await fetch(
        f"SELECT {ANSWER_COLUMNS} FROM expectation_answer x JOIN expectation_wording w ON w.id = x.wording "
        "WHERE x.organization = {} AND x.cycle = {}",
        org_id,
        cycle_id,
    )
    return {int(r["expectation_id"]): {**r, "evidence": _links(r["evidence"])} for r in rows}


FILE_COLUMNS = (
    "f.id AS id, f.answer AS answer_id, f.title AS title, f.file_key AS file_key, f.file_name AS file_name, "
    "f.file_type AS file_type, f.file_size AS file_size, f.created_at AS created_at"
)

NO_ACTIVE_EXPECTATION = N_("no active donor expectation with id %(expectation_id)s")


def file_url(file_id: int) -> str:
    return f"/api/answer-files/{file_id}/file"


def shown_file(row: dict[str, Any]) -> dict[str, Any]:
    """An answer file as readers see it: its download address, never its stored name."""
    return {
        "id": int(row["id"]),
        "url": file_url(int(row["id"])),
        "title": row["title"],
        "file_name": row["file_name"],
        "file_type": row["file_type"],
        "file_size": int(row["file_size"]),
    }


async def files_of_answers(answer_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The evidence files of these answers, per answer, oldest first."""
    if not answer_ids:
        return {}
    placeholders = ", ".join("{}" for _ in answer_ids)
    rows = await fetch(
        f"SELECT {FILE_COLUMNS} FROM expectation_answer_file f WHERE f.answer IN ({placeholders}) ORDER BY f.id",
        *answer_ids,
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(int(row["answer_id"]), []).append(shown_file(row))
    return out


async def answer_sheet(caller: Caller, org_id: int, cycle_name: str) -> list[dict[str, Any]]:
    """Every active expectation with the organization's answer in the cycle (or none yet), for the
    organization's own people and the secretariat."""
    if read_audience(caller, org_id) != "internal":
        raise NotFound(N_("no expectation answers for that organization"))
    cycle = await cycle_by_name(cycle_name)
    expectations = await fetch(
        "SELECT e.id, e.text, e.due_date, a.key AS area, a.name AS area_name, "
        "(SELECT MAX(w.number) FROM expectation_wording w WHERE w.expectation = e.id) AS wording_number "
        "FROM donor_expectation e LEFT JOIN area a ON a.id = e.area WHERE e.active = {} "
        "ORDER BY a.position, e.id",
        True,
    )
    answers = await _answers(org_id, int(cycle["id"]))
    files = await files_of_answers([int(a["id"]) for a in answers.values()])
    sheet = []
    for row in expectations:
        answer = answers.get(int(row["id"]))
        sheet.append(
            {
                "expectation_id": int(row["id"]),
                "text": row["text"],
                "area": row["area"],
                "area_name": row["area_name"],
                "due_date": row["due_date"],
                "wording_number": int(row["wording_number"] or 1),
                "answered": answer is not None,
                "answer": answer["answer"] if answer else None,
                "note": answer["note"] if answer else "",
                "note_visibility": answer["note_visibility"] if answer else "internal",
                "evidence": answer["evidence"] if answer else [],
                "files": files.get(int(answer["id"]), []) if answer else [],
                "review": answer["review"] if answer else None,
                "review_note": answer["review_note"] if answer else "",
                "answered_wording_number": int(answer["wording_number"]) if answer else None,
                "answered_wording": answer["wording_text"] if answer else None,
                "version": int(answer["version"]) if answer else 0,
            }
        )
    return sheet


async def _one(caller: Caller, org_id: int, cycle_name: str, expectation_id: int) -> dict[str, Any]:
    for row in await answer_sheet(caller, org_id, cycle_name):
        if row["expectation_id"] == expectation_id:
            return row
    raise NotFound(NO_ACTIVE_EXPECTATION, expectation_id=expectation_id)


async def _current_wording(expectation_id: int) -> int:
    row = await one_or_not_found(
        "SELECT w.id FROM expectation_wording w JOIN donor_expectation e ON e.id = w.expectation "
        "WHERE w.expectation = {} AND e.active = {} ORDER BY w.number DESC LIMIT 1",
        expectation_id,
        True,
        missing=NO_ACTIVE_EXPECTATION,
        expectation_id=expectation_id,
    )
    return int(row["id"])


async def _refuse_locked(org_id: int, cycle: dict[str, Any]) -> None:
    status = await fetch(
        "SELECT status FROM submission WHERE organization = {} AND cycle = {}", org_id, cycle["id"]
    )
    if status and status[0]["status"] in LOCKED_STATUSES:
        raise Conflict(
            N_("the %(cycle)s report is %(status)s: answers change only in a draft or returned report"),
            field="status",
            cycle=cycle["name"],
            status=status[0]["status"],
        )


async def _set_standing(org_id: int, expectation_id: int, met: bool, since: dt.date | None) -> None:
    """The confirmed standing scorecards count (`expectation_status`), kept in step with reviews."""
    existing = await fetch(
        "SELECT id, met, since FROM expectation_status WHERE expectation = {} AND organization = {}",
        expectation_id,
        org_id,
    )
    if existing:
        kept_since = existing[0]["since"] if existing[0]["met"] and met else since
        await ExpectationStatus.update(
            {ExpectationStatus.met: met, ExpectationStatus.since: kept_since if met else None}
        ).where(ExpectationStatus.id == existing[0]["id"])
    else:
        await ExpectationStatus(
            expectation=expectation_id, organization=org_id, met=met, since=since if met else None
        ).save()


async def save_answer(
    caller: Caller,
    org_id: int,
    cycle_name: str,
    expectation_id: int,
    data: dict[str, Any],
    expected_version: int,
) -> dict[str, Any]:
    """Answer (or change the answer to) one expectation; `expected_version` is 0 for a first answer.
    A changed answer waits for the secretariat again, and no longer counts until confirmed."""
    require_editor(caller, org_id, "expectation answer")
    clean = {
        "answer": choice(str(data.get("answer", "")), EXPECTATION_ANSWERS, "answer"),
        "note": text_block(str(data.get("note", "")), "note", 4000),
        "note_visibility": visibility(str(data.get("note_visibility", "internal")), "note_visibility"),
        "evidence": clean_links(data.get("evidence", [])),
    }
    files = checked_files(list(data.get("files") or []))
    cycle = await cycle_by_name(cycle_name)
    now = utcnow()
    async with stored(files) as file_rows, write_transaction():
        await _refuse_locked(org_id, cycle)
        wording = await _current_wording(expectation_id)
        before = (await _answers(org_id, int(cycle["id"]))).get(expectation_id)
        fields = {**clean, "evidence": json.dumps(clean["evidence"])}
        if before is None:
            if expected_version != 0:
                raise Conflict(N_("this expectation has no answer yet: send version 0"), field="version")
            await ExpectationAnswer.insert(
                ExpectationAnswer(
                    organization=org_id,
                    cycle=cycle["id"],
                    expectation=expectation_id,
                    wording=wording,
                    author=caller.person_id,
                    created_at=now,
                    updated_at=now,
                    **fields,
                )
            )
        else:
            check_version(before, expected_version, "expectation answer")
            await ExpectationAnswer.update(
                {
                    **{getattr(ExpectationAnswer, k): v for k, v in fields.items()},
                    ExpectationAnswer.wording: wording,
                    ExpectationAnswer.review: "pending",
                    ExpectationAnswer.review_note: "",
                    ExpectationAnswer.reviewed_by: None,
                    ExpectationAnswer.reviewed_at: None,
                    ExpectationAnswer.author: caller.person_id,
                    ExpectationAnswer.updated_at: now,
                    ExpectationAnswer.version: int(before["version"]) + 1,
                }
            ).where((ExpectationAnswer.id == before["id"]) & (ExpectationAnswer.version == expected_version))
            if before["review"] == "confirmed":
                await _set_standing(org_id, expectation_id, False, None)
        answer_id = (await _answers(org_id, int(cycle["id"])))[expectation_id]["id"]
        file_ids = [await _insert_file(caller, int(answer_id), row) for row in file_rows]
        await audit.record(
            caller,
            "update" if before else "create",
            "expectation_answer",
            f"{org_id}:{cycle_name}:{expectation_id}",
            before,
            {**clean, "cycle": cycle_name, "file_ids": file_ids},
        )
        await reopen_approved(caller, org_id, f"the answer to donor expectation {expectation_id} changed")
    return await _one(caller, org_id, cycle_name, expectation_id)


async def _insert_file(caller: Caller, answer_id: int, row: dict[str, Any]) -> int:
    """One stored file of an answer; it is read at the note's visibility, so its own is not kept."""
    fields = {k: v for k, v in row.items() if k != "visibility"}
    item = ExpectationAnswerFile(answer=answer_id, **fields)
    await item.save()
    audited = {k: v for k, v in fields.items() if k != "file_key"}
    await audit.record(
        caller, "create", "expectation_answer_file", item.id, None, {"answer_id": answer_id, **audited}
    )
    return int(item.id)


async def add_answer_files(
    caller: Caller,
    org_id: int,
    cycle_name: str,
    expectation_id: int,
    files: list[dict[str, Any]],
    title: str = "",
) -> dict[str, Any]:
    """Attach evidence files to an answer already given (`title` names a lone file): the answer is
    saved again as it is, so it waits for the secretariat again and a change to an approved report
    reopens it."""
    if not files:
        raise UserError(N_("send at least one file"), field="file")
    require_editor(caller, org_id, "expectation answer")
    current = await _one(caller, org_id, cycle_name, expectation_id)
    if not current["answered"]:
        raise Conflict(N_("answer the expectation before adding evidence files"), field="answer")
    data = {k: current[k] for k in ("answer", "note", "note_visibility", "evidence")} | {
        "files": titled(files, title)
    }
    return await save_answer(caller, org_id, cycle_name, expectation_id, data, int(current["version"]))


# Outside the organization only what went out with its published report is read (docs/design.md
# "Who uses it, and what each may do"): a file added after publishing was never signed off.
PUBLISHED_FILE = (
    "EXISTS (SELECT 1 FROM submission s WHERE s.organization = x.organization AND s.cycle = x.cycle "
    "AND s.status = 'published' AND f.created_at <= s.published_at)"
)


async def answer_file(caller: Caller, file_id: int) -> dict[str, Any]:
    """A stored answer file the caller may read: the organization and the secretariat always; others
    when the note's visibility allows them and the file went out with the published report; 404
    otherwise."""
    missing = NotFound(N_("no evidence file with id %(evidence_id)s"), evidence_id=file_id)
    rows = await fetch(
        f"SELECT {FILE_COLUMNS}, x.organization AS organization_id, x.note_visibility AS note_visibility, "
        f"CASE WHEN {PUBLISHED_FILE} THEN 1 ELSE 0 END AS published "
        "FROM expectation_answer_file f JOIN expectation_answer x ON x.id = f.answer WHERE f.id = {}",
        file_id,
    )
    if not rows:
        raise missing
    row = rows[0]
    audience = caller.audience_for(int(row["organization_id"]))
    if audience is None:
        raise missing
    if audience != "internal" and (
        not int(row["published"]) or row["note_visibility"] not in visibilities_for(audience)
    ):
        raise missing
    path = evidence_files.file_path(str(row["file_key"]))
    if not path.is_file():
        raise missing
    return {**row, "path": path}


async def review_answer(
    caller: Caller, org_id: int, cycle_name: str, expectation_id: int, decision: str, question: str = ""
) -> dict[str, Any]:
    """The secretariat confirms an answer (a confirmed "met" counts as met from then on, at the
    latest from the cycle's end) or questions it, saying what it asks the organization."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat confirms or questions answers"))
    decision = choice(decision, ("confirm", "question"), "decision")
    question = text_block(question, "question", 2000).strip() if decision == "question" else ""
    if decision == "question" and not question:
        raise UserError(N_("a question needs words the organization can answer"), field="question")
    cycle = await cycle_by_name(cycle_name)
    async with write_transaction():
        before = (await _answers(org_id, int(cycle["id"]))).get(expectation_id)
        if before is None:
            raise NotFound(
                N_("that organization has not answered this expectation in %(cycle)s"), cycle=cycle_name
            )
        review = "confirmed" if decision == "confirm" else "questioned"
        await ExpectationAnswer.update(
            {
                ExpectationAnswer.review: review,
                ExpectationAnswer.review_note: question,
                ExpectationAnswer.reviewed_by: caller.person_id,
                ExpectationAnswer.reviewed_at: utcnow(),
            }
        ).where(ExpectationAnswer.id == before["id"])
        met = review == "confirmed" and before["answer"] == "met"
        period_end = cycle["period_end"]
        period_end = dt.date.fromisoformat(period_end) if isinstance(period_end, str) else period_end
        await _set_standing(org_id, expectation_id, met, min(today(), period_end))
        await audit.record(
            caller,
            decision,
            "expectation_answer",
            f"{org_id}:{cycle_name}:{expectation_id}",
            {"review": before["review"]},
            {"review": review, "question": question},
        )
    return await _one(caller, org_id, cycle_name, expectation_id)


async def answers_to_review(caller: Caller, cycle_name: str) -> list[dict[str, Any]]:
    """Answers of the cycle awaiting the secretariat, oldest first (the secretariat's queue)."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat confirms or questions answers"))
    cycle = await cycle_by_name(cycle_name)
    rows = await fetch(
        f"SELECT {ANSWER_COLUMNS}, o.id AS org_id, o.acronym FROM expectation_answer x "
        "JOIN expectation_wording w ON w.id = x.wording JOIN organization o ON o.id = x.organization "
        "WHERE x.cycle = {} AND x.review = {} ORDER BY x.updated_at, x.id",
        cycle["id"],
        "pending",
    )
    return [{**r, "evidence": _links(r["evidence"])} for r in rows]
