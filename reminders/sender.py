"""Delivery of the outbox over SMTP (aiosmtplib), with retries that never lose a reminder.

A sender claims a batch (`outbox.claim`), opens one SMTP connection and sends each claimed row,
recording the outcome right after each message:
- accepted: `sent`;
- temporary failure (connection refused, timeout, disconnect, any 4xx reply): queued again after an
  exponential backoff with jitter, until MAX_ATTEMPTS, then `failed`;
- permanent failure (a 5xx reply to the message, an unusable address): `failed` at once, kept and
  shown to the secretariat, retried only by hand.
Errors at connection level (greeting, STARTTLS, login) are temporary for every row of the batch: a
misconfigured server must not burn reminders. The only window for a duplicate is a sender that dies
after the server accepted a message and before `sent` is recorded: at most one message per death.
The next sender takes back the dead sender's claims at once (`outbox.take_back_abandoned`) and resends
that one with the same Message-ID, which mail clients collapse. A running sender renews the lease of
its claims as it goes, so a slow server never makes another sender take them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import aiosmtplib

from models.clock import utcnow
from models.settings import Settings
from models.words import DEFAULT_LOCALE, speaking, supported_language
from reminders import outbox
from reminders.account_emails import ACCOUNT_RULES, link_for_sending
from reminders.claims import claimer_name
from reminders.emails import EmailRenderer, InvalidAddress, RenderedEmail, build_message, sender_address
from reminders.recipients import current_recipients
from reminders.unsubscribe import unsubscribe_token

RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3 * 3600
BATCH_SIZE = 20
TEMPORARY, PERMANENT = "temporary", "permanent"


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: DeliveryResult) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed


def retry_delay(attempts: int, rng: random.Random) -> dt.timedelta:
    """Exponential backoff (1, 2, 4, ... minutes, capped at 3 hours) with +-25% jitter."""
    base = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=base * rng.uniform(0.75, 1.25))


def classify(exc: BaseException) -> tuple[str, str]:
    """(temporary or permanent, a one-line reason) for an exception raised while sending."""
    if isinstance(exc, InvalidAddress):
        return PERMANENT, str(exc)
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        code = min(codes) if codes else 550
        reason = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return (TEMPORARY if 400 <= code < 500 else PERMANENT), f"recipient refused: {reason}"
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return TEMPORARY, f"server disconnected: {exc}"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        kind = PERMANENT if 500 <= exc.code < 600 else TEMPORARY
        return kind, f"{exc.code} {exc.message}"
    # Refused or timed-out connections, other SMTP errors: the server may be back later.
    return TEMPORARY, f"{type(exc).__name__}: {exc}"


class Connection:
    """One SMTP session for a batch, reopened after a disconnect."""

    def __init__(self, settings: Settings) -> None:
        self.smtp_settings = settings.smtp
        self.client: aiosmtplib.SMTP | None = None

    async def open(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected:
            return self.client
        s = self.smtp_settings
        client = aiosmtplib.SMTP(
            hostname=s.host, port=s.port, timeout=s.timeout, start_tls=s.starttls, use_tls=False
        )
        await client.connect()
        if s.username:
            await client.login(s.username, s.password)
        self.client = client
        return client

    async def reset(self) -> None:
        """After a refused message: RSET the session, or drop it to reconnect for the next one."""
        client = self.client
        if client is None or not client.is_connected:
            self.client = None
            return
        try:
            await client.rset()
        except Exception:  # noqa: BLE001 - a broken session is reopened for the next row
            client.close()
            self.client = None

    async def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            try:
                await self.client.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                self.client.close()
        self.client = None


async def deliver_due(
    settings: Settings,
    *,
    worker: str | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    rng: random.Random | None = None,
) -> DeliveryResult:
    """Claim and send batches until nothing is deliverable now (or `max_batches` were sent)."""
    worker = worker or claimer_name()
    rng = rng or random.Random()
    total = DeliveryResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        rows = await outbox.claim(worker, batch_size)
        if not rows:
            break
        batches += 1
        total.add(await send_batch(settings, worker, rows, rng))
        if total.retried and total.sent == 0:
            break  # the server is refusing or away: leave the rest for the next run
    return total


async def send_batch(
    settings: Settings, worker: str, rows: list[dict[str, Any]], rng: random.Random
) -> DeliveryResult:
    """Send claimed rows over one connection, recording each outcome (and what was sent) at once."""
    result = DeliveryResult(claimed=len(rows))
    recipients = await current_recipients(rows)
    _, envelope_from = sender_address(settings.smtp.sender)
    renderer = EmailRenderer(settings.base_url)
    connection = Connection(settings)
    renewed = utcnow()
    try:
        for index, row in enumerate(rows):
            if utcnow() - renewed > outbox.LEASE / 4:
                renewed = utcnow()
                await outbox.renew_lease(worker, renewed)
            refusal = recipients.refusal(row)
            if refusal is not None:
                await outbox.mark_failed(row["id"], worker, refusal)
                result.failed += 1
                continue
            name = recipients.names.get(row["recipient"] or 0, "")
            language = supported_language(recipients.languages.get(row["recipient"] or 0)) or DEFAULT_LOCALE
            try:
                # An invitation or a reset gets its token now; what is recorded has the bare link.
                link = await link_for_sending(row)
                # Rendered now, in the recipient's language as it is at sending time.
                with speaking(language):
                    sent = renderer.render(row["rule"], row["context"] or "{}", link, name)
                    email = sent
                    if link != row["link"]:
                        email = renderer.render(row["rule"], row["context"] or "{}", row["link"], name)
                message = build_message(
                    language=language,
                    sender=settings.smtp.sender,
                    recipient_email=row["recipient_email"],
                    recipient_name=name,
                    subject=sent.subject,
                    text=sent.text,
                    html=sent.html,
                    message_id=row["message_id"],
                    now=utcnow(),
                    unsubscribe_url=unsubscribe_url(settings, row),
                )
            except Exception as exc:  # noqa: BLE001 - a reminder that cannot be built fails visibly
                await outbox.mark_failed(row["id"], worker, f"cannot build the message: {exc}")
                result.failed += 1
                continue
            try:
                client = await connection.open()
            except Exception as exc:  # noqa: BLE001 - any connection problem is temporary
                _, reason = classify(exc)
                for pending in rows[index:]:
                    await _retry_or_fail(pending, worker, f"cannot connect: {reason}", rng, result)
                return result
            try:
                await client.send_message(message, sender=envelope_from, recipients=[row["recipient_email"]])
            except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
                kind, reason = classify(exc)
                if kind == PERMANENT:
                    await outbox.mark_failed(row["id"], worker, reason, email)
                    result.failed += 1
                else:
                    await _retry_or_fail(row, worker, reason, rng, result, email)
                await connection.reset()
                continue
            await outbox.mark_sent(row["id"], email)
            result.sent += 1
    finally:
        await connection.close()
    return result


def unsubscribe_url(settings: Settings, row: dict[str, Any]) -> str:
    """The one-click unsubscribe link of a reminder (none for one addressed to no person)."""
    if row["recipient"] is None or row["rule"] in ACCOUNT_RULES:
        return ""  # an invitation or a reset is no list to leave
    token = unsubscribe_token(settings.secret_key, int(row["recipient"]), row["rule"])
    return f"{settings.base_url.rstrip('/')}/unsubscribe/{token}"


async def _retry_or_fail(
    row: dict[str, Any],
    worker: str,
    reason: str,
    rng: random.Random,
    result: DeliveryResult,
    email: RenderedEmail | None = None,
) -> None:
    attempts = int(row["attempts"])
    if attempts >= outbox.MAX_ATTEMPTS:
        reason = f"gave up after {attempts} attempts; last: {reason}"
        await outbox.mark_failed(row["id"], worker, reason, email)
        result.failed += 1
        return
    next_attempt = utcnow() + retry_delay(attempts, rng)
    await outbox.mark_retry(row["id"], worker, reason, next_attempt, email)
    result.retried += 1
