"""What the emails carry: titles, dates and a link; never confidential text, never an extra header."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.settings import Settings
from reminders.check import run_check
from reminders.emails import build_message
from reminders.sender import deliver_due
from tests.reminders import world
from tests.reminders.world import CONFIDENTIAL, at

DUE = dt.date(2026, 12, 20)
CYCLE_DUE = dt.date(2027, 1, 31)


async def check_every_day(time_machine: Any, settings: Settings, first: dt.date, last: dt.date) -> None:
    day = first
    while day <= last:
        time_machine.move_to(at(day, 6), tick=False)
        await run_check(settings)
        await deliver_due(settings)
        day += dt.timedelta(days=1)


async def test_no_email_contains_confidential_text(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    """Every rule fires over two months; the marker planted in every free-text field never leaves."""
    org = await world.organization("NRA", focal_digest=False)
    gap = await world.organization("LRC", champion_seniority=None)
    await world.secretariat()
    secret = f"{CONFIDENTIAL}: the name of a person at risk"
    commitment = await world.commitment(
        org, title="Adopt a protection policy", description=secret, last_update=at(dt.date(2026, 9, 1))
    )
    await world.update(commitment, org.focal, at(dt.date(2026, 9, 1)), narrative=secret)
    await world.milestone(commitment, DUE, title="Draft the policy")
    await world.milestone(commitment, DUE, title="Dropped step", status="dropped", drop_reason=secret)
    await world.comment(org, secret)
    await world.comment(gap, secret)
    cycle = await world.cycle("2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31), CYCLE_DUE)
    await world.submission(org, cycle, "draft")
    signoff_cycle = await world.cycle(
        "2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 12, 1)
    )
    await world.submission(org, signoff_cycle, "submitted", submitted_at=at(dt.date(2026, 11, 28)))

    await check_every_day(time_machine, mail_settings, dt.date(2026, 11, 28), dt.date(2027, 2, 15))

    rules = {row["rule"] for row in await world.reminders()}
    assert rules >= {
        "milestone_due_soon",
        "milestone_overdue",
        "escalation",
        "stale_commitment",
        "submission_due",
        "submission_late",
        "awaiting_signoff",
        "champion_gap",
    }
    assert len(smtp_server.messages) >= 10
    for received in smtp_server.messages:
        assert CONFIDENTIAL.encode() not in received.raw
        assert CONFIDENTIAL not in received.text and CONFIDENTIAL not in received.html
    for row in await world.reminders():
        assert CONFIDENTIAL not in row["context"] + row["subject"] + row["body_text"] + row["body_html"]


async def test_emails_go_only_to_people_of_the_organization_concerned(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    nra = await world.organization("NRA")
    usp = await world.organization("USP")
    reviewer = await world.person("Peer Reviewer", "reviewer@example.org")
    await world.role(reviewer, "peer_reviewer", nra.id)
    donor = await world.person("Dana Donor", "donor@example.org")
    await world.role(donor, "donor")
    await world.milestone(await world.commitment(nra), DUE)
    await check_every_day(
        time_machine, mail_settings, DUE - dt.timedelta(days=14), DUE + dt.timedelta(days=31)
    )
    recipients = {address for m in smtp_server.messages for address in m.rcpt_tos}
    assert recipients == {nra.focal_email, nra.champion_email}
    assert usp.focal_email not in recipients


async def test_crlf_in_a_name_or_title_cannot_add_a_header(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    injected = "\r\nBcc: attacker@evil.example\r\nX-Injected: yes"
    org = await world.organization(
        "NRA", focal_name=f"Eve Focal{injected}", name=f"Northbridge{injected}\nReply-To: evil@evil.example"
    )
    commitment = await world.commitment(org, title=f"Policy{injected}")
    await world.milestone(commitment, DUE, title=f"Draft{injected}\n\nbody injection")
    time_machine.move_to(at(DUE - dt.timedelta(days=14), 6), tick=False)
    await run_check(mail_settings)
    assert (await deliver_due(mail_settings)).sent == 1
    (received,) = smtp_server.messages
    assert received.rcpt_tos == [org.focal_email]
    message = received.message
    for header in ("Bcc", "X-Injected", "Reply-To"):
        assert message[header] is None
    assert "attacker@evil.example" not in str(message["To"]).split("<")[-1]
    assert message["To"].addresses[0].addr_spec == org.focal_email
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert message["Subject"].startswith("Milestone due in 14 days")
    header_block = received.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\r\nX-Injected:" not in header_block


def test_build_message_keeps_every_value_on_its_header_line() -> None:
    message = build_message(
        sender="CoP Tracker\r\nBcc: x@evil.example <no-reply@example.org>",
        recipient_email="ana@example.org",
        recipient_name="Ana\nCc: x@evil.example",
        subject="Hello\r\nCc: x@evil.example",
        text="body",
        html="<p>body</p>",
        message_id="<id@example.org>\r\nCc: x@evil.example",
        now=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
    )
    raw = message.as_bytes()
    headers = raw.split(b"\n\n", 1)[0].decode()
    names = [line.split(":", 1)[0] for line in headers.splitlines() if line and not line[0].isspace()]
    assert "Cc" not in names and "Bcc" not in names
    assert names.count("To") == 1 and names.count("Subject") == 1


async def test_links_are_built_from_base_url_and_html_is_escaped(
    db: str, mail_settings: Settings, smtp_server: Any, time_machine: Any
) -> None:
    org = await world.organization("NRA")
    commitment = await world.commitment(org)
    milestone = await world.milestone(commitment, DUE, title="<script>alert(1)</script> & co")
    time_machine.move_to(at(DUE - dt.timedelta(days=3), 6), tick=False)
    await run_check(mail_settings)
    await deliver_due(mail_settings)
    (received,) = smtp_server.messages
    link = f"http://testserver/organizations/{org.id}/commitments/{commitment}#milestone-{milestone}"
    assert link in received.text and f'href="{link}"' in received.html
    assert "<script>" not in received.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in received.html
    assert "<script>alert(1)</script> & co" in received.text
    assert "due in 3 days" in received.text and "20 December 2026" in received.text
