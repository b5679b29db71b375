"""One table per domain noun of docs/design.md.

Times are stored in UTC (`Timestamptz`); dates people type are `Date`. Enumerated values are kept as
short strings whose allowed values live in `models.vocabulary`, so the API, the pages and the CLI
check them in one place. `version` columns carry optimistic concurrency (ETag / If-Match).

Unique pairs (role per person and organization, submission per organization and cycle, ...) are
unique indexes created in the `constraints` migration: SQLite cannot add table constraints after
creation, and an index works the same on both engines.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organization(Table):
    name = Varchar(length=200)
    acronym = Varchar(length=32, unique=True)
    org_type = Varchar(length=32, default="other")
    time_zone = Varchar(length=64, default="UTC")
    active = Boolean(default=True)
    is_demo = Boolean(default=False)
    # Other names a plan's lead column may use ("World Food Programme; PAM"), separated by ";".
    aliases = Text(default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class Person(Table):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    job_title = Varchar(length=200, default="")
    seniority = Varchar(length=32, default="other")
    active = Boolean(default=True)
    password_hash = Varchar(length=200, default="", secret=True)
    weekly_digest = Boolean(default=False)
    # How reminders reach the person: "immediate", "daily" (one email a day, the default) or
    # "weekly"; escalations and workflow emails go at once whatever the choice.
    email_frequency = Varchar(length=16, default="daily")
    # The non-essential rules the person turned off, separated by ",".
    muted_rules = Text(default="")
    # One of models.words.SUPPORTED_LANGUAGES; empty until the first sign-in, when the browser's
    # Accept-Language chooses it (docs/design.md "Languages").
    language = Varchar(length=8, default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class AccountToken(Table):
    """A single-use link sent by email: an invitation to set a password, or a password reset.

    Only a hash of the token is stored; `used_at` is set once, when the link is used."""

    token_hash = Varchar(length=128, unique=True)
    person = ForeignKey(Person, null=False, index=True)
    purpose = Varchar(length=16)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class RoleAssignment(Table):
    """A role held by a person; `organization` is set for the organization-scoped roles."""

    person = ForeignKey(Person, null=False, index=True)
    role = Varchar(length=32)
    organization = ForeignKey(Organization, null=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Area(Table):
    """The five fixed areas, seeded by a migration; the secretariat may change the weight."""

    key = Varchar(length=16, unique=True)
    name = Varchar(length=100)
    weight = Real(default=1.0)
    descriptor = Text(default="")
    # What an organization must show for each level: {"0": "...", ..., "4": "..."} (docs/design.md
    # "Maturity levels"). Edited by the secretariat; each cycle keeps the rubric it opened with.
    rubric = JSON(default="{}")
    position = Integer(default=0)
    version = Integer(default=1)


class Cycle(Table):
    name = Varchar(length=16, unique=True)
    period_start = Date()
    period_end = Date()
    due_date = Date()
    created_at = Timestamptz(default=TimestamptzNow())


class CycleArea(Table):
    """The areas a cycle scores, frozen when the cycle opens: an area added later applies from the
    next cycle, and each cycle keeps the rubric it opened with."""

    cycle = ForeignKey(Cycle, null=False, index=True)
    area = ForeignKey(Area, null=False)
    position = Integer(default=0)
    rubric = JSON(default="{}")


class Commitment(Table):
    organization = ForeignKey(Organization, null=False, index=True)
    area = ForeignKey(Area, null=False)
    title = Varchar(length=300)
    description = Text(default="")
    description_visibility = Varchar(length=16, default="internal")
    owner = ForeignKey(Person, null=True)
    target_date = Date(null=True, default=None)
    status = Varchar(length=16, default="active")
    last_update_at = Timestamptz(null=True, default=None)
    # Next 90-day mark without a progress update, kept by the timeline check (NULL: look next time).
    next_check_on = Date(null=True, default=None, index=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class Milestone(Table):
    commitment = ForeignKey(Commitment, null=False, index=True)
    title = Varchar(length=300)
    # NULL when the plan gave no date (an event, recurring text): never an invented date.
    due_date = Date(null=True, default=None)
    # The imported timeframe as written, and how its date was read (`models.timeframes` flags).
    timeframe_text = Text(default="")
    date_flags = Varchar(length=100, default="")
    completed_on = Date(null=True, default=None)
    status = Varchar(length=16, default="planned")
    drop_reason = Text(default="")
    # Derived every day by the timeline check ("", "at_risk", "overdue"); never typed in.
    derived_state = Varchar(length=16, default="")
    # Denormalized, indexed date of the next reminder threshold, so a check reads only what is due.
    next_check_on = Date(null=True, default=None, index=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class ImportRow(Table):
    """One imported plan row per organization, by its fingerprint: the same row imported again
    creates nothing. The fingerprint hashes the organization's id with the row, so it is unique."""

    organization = ForeignKey(Organization, null=False, index=True)
    fingerprint = Varchar(length=64, unique=True)
    import_id = Varchar(length=36)
    file_name = Varchar(length=255, default="")
    row_number = Integer(default=0)
    commitment = ForeignKey(Commitment, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ProgressUpdate(Table):
    """Append-only: the database refuses UPDATE and DELETE (see the triggers migration)."""

    commitment = ForeignKey(Commitment, null=False, index=True)
    author = ForeignKey(Person, null=True)
    cycle = ForeignKey(Cycle, null=True, index=True)
    self_level = Integer(null=True, default=None)
    narrative = Text(default="")
    visibility = Varchar(length=16, default="internal")
    supersedes = ForeignKey("self", null=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # The milestone of the same commitment this update reports on, if any.
    milestone = ForeignKey(Milestone, null=True)


class Evidence(Table):
    progress_update = ForeignKey(ProgressUpdate, null=False, index=True)
    url = Varchar(length=2000)
    title = Varchar(length=300, default="")
    visibility = Varchar(length=16, default="internal")
    verified_by = ForeignKey(Person, null=True)
    verified_at = Timestamptz(null=True, default=None)
    supersedes = ForeignKey("self", null=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    # An evidence file (docs/design.md "Evidence files"): its random stored name, the original name
    # as data, the type read from its content, its size. A link has none of these.
    file_key = Varchar(length=64, default="")
    file_name = Varchar(length=255, default="")
    file_type = Varchar(length=100, default="")
    file_size = Integer(default=0)
    rejected_by = ForeignKey(Person, null=True)
    rejected_at = Timestamptz(null=True, default=None)
    rejection_reason = Text(default="")


class Submission(Table):
    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=False, index=True)
    status = Varchar(length=16, default="draft")
    submitted_by = ForeignKey(Person, null=True)
    submitted_at = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(Person, null=True)
    approved_at = Timestamptz(null=True, default=None)
    returned_by = ForeignKey(Person, null=True)
    returned_at = Timestamptz(null=True, default=None)
    published_by = ForeignKey(Person, null=True)
    published_at = Timestamptz(null=True, default=None)
    # The focal point's cover note to the champion, written when the report is submitted.
    cover_note = Text(default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class Assessment(Table):
    """An organization's one assessment of an area for a cycle, made in the cycle's report: the
    level it claims, why (with a visibility), and the evidence for it. After the evidence rules
    this is the level that counts (docs/design.md "Maturity levels"); progress updates feed the
    report but do not decide it. One per (organization, cycle, area): a unique index."""

    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=False, index=True)
    area = ForeignKey(Area, null=False)
    self_level = Integer(default=0)
    justification = Text(default="")
    visibility = Varchar(length=16, default="internal")
    author = ForeignKey(Person, null=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AssessmentEvidence(Table):
    """A link backing an assessment. The secretariat verifies it, or rejects it with a reason;
    rejected or removed evidence counts as absent but stays on record."""

    assessment = ForeignKey(Assessment, null=False, index=True)
    url = Varchar(length=2000)
    title = Varchar(length=300, default="")
    visibility = Varchar(length=16, default="internal")
    verified_by = ForeignKey(Person, null=True)
    verified_at = Timestamptz(null=True, default=None)
    rejected_by = ForeignKey(Person, null=True)
    rejected_at = Timestamptz(null=True, default=None)
    rejection_reason = Text(default="")
    removed_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class Comment(Table):
    """A champion's or reviewer's comment (or a reply to one); carries a visibility like any narrative."""

    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=True)
    submission = ForeignKey(Submission, null=True, index=True)
    area = ForeignKey(Area, null=True)
    author = ForeignKey(Person, null=True)
    kind = Varchar(length=16, default="champion")
    body = Text()
    visibility = Varchar(length=16, default="internal")
    reply_to = ForeignKey("self", null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ReviewRound(Table):
    """A peer-review round of a published cycle: `draft` (pairs may change), `open`, then `closed`.

    Once closed, the round and everything in it is frozen: the database refuses to change it (see
    the review-triggers migration)."""

    cycle = ForeignKey(Cycle, null=False)
    status = Varchar(length=16, default="open")
    opened_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    name = Varchar(length=200, default="")
    review_due = Date(null=True, default=None)
    reply_due = Date(null=True, default=None)
    # "any", "within" or "across" peer types: the preference the proposed pairs followed.
    peer_types = Varchar(length=16, default="any")
    # The participating organization ids, as a JSON list (pairs are proposed among them).
    organizations = JSON(default=[])
    created_by = ForeignKey(Person, null=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class ReviewPair(Table):
    review_round = ForeignKey(ReviewRound, null=False, index=True)
    reviewer = ForeignKey(Organization, null=False)
    reviewee = ForeignKey(Organization, null=False)


class ReviewerAssignment(Table):
    """A person (a `peer_reviewer` of the reviewing organization) who writes the pair's review."""

    review_pair = ForeignKey(ReviewPair, null=False, index=True)
    person = ForeignKey(Person, null=False, index=True)


class Review(Table):
    """One pair's review, created when the round opens: `draft` until submitted (or `not_submitted`
    when the round closed first)."""

    review_pair = ForeignKey(ReviewPair, null=False, unique=True)
    review_round = ForeignKey(ReviewRound, null=False, index=True)
    status = Varchar(length=16, default="draft")
    submitted_by = ForeignKey(Person, null=True)
    submitted_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class ReviewComment(Table):
    """A reviewer's view of one area: does the counted level look right, strengths, recommendations."""

    review = ForeignKey(Review, null=False, index=True)
    area = ForeignKey(Area, null=False)
    assessment = Varchar(length=16, default="right")
    strengths = Text(default="")
    recommendations = Text(default="")
    visibility = Varchar(length=16, default="peer")
    author = ForeignKey(Person, null=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class ReviewReply(Table):
    """The reviewee's reply to a comment (right of reply); append-only."""

    comment = ForeignKey(ReviewComment, null=False, index=True)
    author = ForeignKey(Person, null=True)
    body = Text()
    visibility = Varchar(length=16, default="peer")
    created_at = Timestamptz(default=TimestamptzNow())


class PracticeNote(Table):
    """An organization's offer to share its practice in an area, with what worked; append-only.

    The latest note of an organization in an area is its current word (a later note withdrawing
    the offer says `willing_to_share = false`)."""

    organization = ForeignKey(Organization, null=False, index=True)
    area = ForeignKey(Area, null=False)
    willing_to_share = Boolean(default=True)
    what_worked = Text(default="")
    documents = JSON(default=[])
    contact = Varchar(length=300, default="")
    visibility = Varchar(length=16, default="peer")
    author = ForeignKey(Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ScorecardSnapshot(Table):
    """Frozen at publishing: later edits never change what peers and donors already saw."""

    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=False, index=True)
    audience = Varchar(length=16)
    payload = JSON()
    created_at = Timestamptz(default=TimestamptzNow())


class PublishedCommitment(Table):
    """A commitment as it stood when its organization published a cycle: what outsiders read.

    Frozen in the publishing transaction beside the snapshots (docs/design.md "Cycles,
    submissions and publishing"); the database refuses to alter it. Only what an outsider may ever
    read is copied: no owner; the description keeps its visibility and is filtered when read.
    """

    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=False, index=True)
    commitment = ForeignKey(Commitment, null=False, index=True)
    area = ForeignKey(Area, null=False)
    title = Varchar(length=300)
    description = Text(default="")
    description_visibility = Varchar(length=16, default="internal")
    target_date = Date(null=True, default=None)
    status = Varchar(length=16, default="active")
    last_update_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    frozen_at = Timestamptz(default=TimestamptzNow())


class PublishedMilestone(Table):
    """A milestone as it stood when its organization published a cycle (no drop reason: internal)."""

    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=False, index=True)
    milestone = ForeignKey(Milestone, null=False, index=True)
    commitment = ForeignKey(Commitment, null=False, index=True)
    title = Varchar(length=300)
    due_date = Date(null=True, default=None)
    timeframe_text = Text(default="")
    date_flags = Varchar(length=100, default="")
    completed_on = Date(null=True, default=None)
    status = Varchar(length=16, default="planned")
    derived_state = Varchar(length=16, default="")
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    frozen_at = Timestamptz(default=TimestamptzNow())


class DonorExpectation(Table):
    area = ForeignKey(Area, null=True)
    text = Text()
    due_date = Date(null=True, default=None)
    active = Boolean(default=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class ExpectationStatus(Table):
    expectation = ForeignKey(DonorExpectation, null=False)
    organization = ForeignKey(Organization, null=False, index=True)
    met = Boolean(default=False)
    since = Date(null=True, default=None)


class ExpectationWording(Table):
    """Every wording an expectation has had, numbered from 1: an answer points at the wording the
    organization saw, so rewording an expectation never changes what was answered."""

    expectation = ForeignKey(DonorExpectation, null=False, index=True)
    number = Integer(default=1)
    text = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class ExpectationAnswer(Table):
    """An organization's answer to one expectation in one cycle's report (met, partly, not yet, not
    applicable), with a note (with a visibility) and evidence links (each with a visibility). The
    champion's sign-off covers it; the secretariat confirms it or asks a question, and only a
    confirmed "met" counts. One per (organization, cycle, expectation): a unique index."""

    organization = ForeignKey(Organization, null=False, index=True)
    cycle = ForeignKey(Cycle, null=False, index=True)
    expectation = ForeignKey(DonorExpectation, null=False)
    wording = ForeignKey(ExpectationWording, null=False)
    answer = Varchar(length=16)
    note = Text(default="")
    note_visibility = Varchar(length=16, default="internal")
    evidence = JSON(default="[]")
    review = Varchar(length=16, default="pending")
    review_note = Text(default="")
    reviewed_by = ForeignKey(Person, null=True)
    reviewed_at = Timestamptz(null=True, default=None)
    author = ForeignKey(Person, null=True)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ExpectationAnswerFile(Table):
    """An evidence file of an expectation answer (docs/design.md "Evidence files"): stored like a
    progress update's files, read at the answer note's visibility."""

    answer = ForeignKey(ExpectationAnswer, null=False, index=True)
    title = Varchar(length=300, default="")
    file_key = Varchar(length=64, default="")
    file_name = Varchar(length=255, default="")
    file_type = Varchar(length=100, default="")
    file_size = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Reminder(Table):
    """The outbox: one row per reminder, unique by its deterministic dedupe key."""

    dedupe_key = Varchar(length=300, unique=True)
    rule = Varchar(length=32)
    recipient = ForeignKey(Person, null=True)
    recipient_email = Varchar(length=254)
    organization = ForeignKey(Organization, null=True, index=True)
    subject = Varchar(length=300)
    body_text = Text(default="")
    body_html = Text(default="")
    link = Varchar(length=500, default="")
    # The rule's template values (titles, dates, names; JSON): subject and bodies are rendered from
    # them when the reminder is sent, so a large check only writes rows.
    context = Text(default="")
    # Both are searched through the composite index `reminder_due` (status, next_attempt_at) of the
    # hand-written migration; an index of their own would only slow down the queueing of a check.
    status = Varchar(length=16, default="queued")
    digest = Boolean(default=False)
    # The batch a held reminder goes out in ("daily", "weekly", or "urgent" for the at-once email
    # of several escalations); "" for one sent alone.
    batch = Varchar(length=16, default="")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=64, null=True, default=None)
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    message_id = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class AuditEvent(Table):
    """Append-only: the database refuses UPDATE and DELETE (see the triggers migration)."""

    actor = ForeignKey(Person, null=True)
    actor_label = Varchar(length=254, default="")
    action = Varchar(length=32)
    entity = Varchar(length=64)
    entity_id = Varchar(length=64, default="")
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class LoginSession(Table):
    """Server-side session; only a hash of the cookie value is stored."""

    token_hash = Varchar(length=128, unique=True)
    person = ForeignKey(Person, null=False, index=True)
    csrf_token = Varchar(length=128)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table):
    """Bearer token for scripts; stored hashed, revocable, tied to a person."""

    token_hash = Varchar(length=128, unique=True)
    person = ForeignKey(Person, null=False, index=True)
    name = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginFailure(Table):
    """Failed logins, and password-reset requests, counted per account and per client address for
    throttling (keys are digests)."""

    key = Varchar(length=300, index=True)
    at = Timestamptz(default=TimestamptzNow())


class JobRun(Table):
    """Each scheduled job's last run and last sign of life, reported by /health so a dead scheduler
    is noticed by every web worker, whichever process runs the jobs.

    `started_at` is when the latest run began, `last_run_at` when the latest run ended (with
    `last_result`), and `alive_at` the latest of those and of the beats a long run writes while it
    goes on: a scheduler that died leaves `alive_at` behind.
    """

    job = Varchar(length=64, unique=True)
    last_run_at = Timestamptz(null=True, default=None)
    last_result = Text(default="")
    started_at = Timestamptz(null=True, default=None)
    alive_at = Timestamptz(null=True, default=None)
