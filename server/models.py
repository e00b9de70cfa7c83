"""The central server's tables (SQLAlchemy Core), portable between PostgreSQL and SQLite.

- `hall`: the service halls of the region (loaded from the catalog).
- `enrollment`: one-time registration codes issued by hall IT for one (hall, window); only the SHA-256 of
  the code is stored. `replace_device` = the code may replace the window's active device; `window_name`
  = the window's name as hall IT gave it (sent to the window with its code).
- `device`: a registered window PC. Only the SHA-256 of its 32-byte secret is stored. Its state: pending
  (enrolled, `confirmed_at` NULL: it may only confirm), active (confirmed, not revoked), revoked. At most one
  active and one pending device per window code: partial unique indexes, so two racing registrations
  cannot both win. Confirming revokes the window's previous active device in the same transaction.
- `case_record`: the server's projection of a case. Inserted from the payload of its `case.decided` event
  (`snapshot`, `first_event_id`); `decided_status` is the status the window decided, `status` and `step`
  the projection of the case's events by step (server.sync.projection).
- `case_event`: every accepted event, exactly once (primary key = the window's event id), with the author,
  window and device time as sent and the server clock (`received_at`) beside them. `case_day` is the day
  in the case number (= the case's received_on) so reconciliation can count events before their case
  arrives. Events of a case the server does not have yet are stored all the same (no foreign key).
- `change_log`: what windows pull, per hall, by `seq`; appended in commit order (see server.sync).
- `conflict`: what needs a supervisor: a case number used twice, a certificate issued or handed over twice,
  an event id reused with other content (`other_event_id` then names the refused content: a UUID made from
  the id and the content's hash, server.event_ids). Unique per (reason, event_id, other_event_id) so a
  retried request records it once. A supervisor's
  resolution (text, who, when) is kept on the row; the conflict itself is never deleted.
- `catalog_publication`: every catalog version published to the region, the file byte for byte.
- `calendar_publication`: the holiday arrangement of each year as last published (a year may be amended).
- `signing_key`: the public half of each window's certificate signing key, registered on first sight by
  a device of the window, bound to its hall and window; certificate events are checked against it before
  they are stored (server.signing_keys).
- `chain_head`: per window, the last event of its hash chain the server received (app.audit.chain): the
  next new event must follow it (server.sync.chain). Per window rather than per device: a re-registered PC
  keeps its database, and so its chain.
- `account`: the hall's people the server knows (password hashes only); a supervisor's action on the
  server (resolving a conflict) proves the person, not only the device. The server holds the truth: the
  hall's whole list travels to its windows as an `accounts` change (server.account_snapshot).
- `message`: what the applicant is told of their case (server.messages): one row per (event, purpose),
  inserted in the push transaction that stored the event (an outbox), delivered by a gateway outside it;
  its attempts, last error and state (queued, delivered, failed) kept on the row.
- `rating`: 好差评, one row per service event rated (server.ratings), with the follow-up of a 差评.
- `blob`: a page file held whole on the server's disk (server.blobs), named by its SHA-256: one copy
  however many halls uploaded it. A row exists only once the file is complete, verified and in place.
- `blob_upload`: one hall's upload of one file (per sha256 and hall): the size it declared, the bytes
  received in order, and when it completed (the hall holds the file since). Which halls hold a file is the
  completed rows; a hall may download only a file it holds.
- `case_holder`: who applied for each case (the applicant's ID as the decision names it), by hall: how the
  licence lookup (server.sync.licence_lookup) finds the certificates of a holder without reading payloads.
- `case_licence`: the electronic licences that stood in for paper (issue 15), one row per case and material
  the decision says a licence satisfied: the licence, its type and source, how the window verified it; for
  the back office and statistics (server.sync.licence_projection).
- `case_page_set`: the server's projection of page sets (server.sync.page_sets): per case, material and
  visit, the last `case.pages_attached` stored (its pages are that event's payload).
- `helper_draft`: a helper's draft (帮办预审) sent through the server for the windows of its hall
  (server.helper_drafts): its canonical JSON and signed reference code as the helper's PC sent them, who and
  where from, and `used_by`: the first case that named it (then it leaves the hall's open list).

Times are naive UTC (`DateTime` without time zone) on both databases; device times are kept as sent (text).
JSON is `json` on PostgreSQL (stored as sent), text on SQLite; `case_event` and `case_record` have
`toast_tuple_target = 8160` on PostgreSQL so a few-KB case snapshot stays inline, uncompressed.
Integer keys are BIGINT on PostgreSQL and INTEGER (rowid aliases) on SQLite; `change_log` uses
AUTOINCREMENT on SQLite so a number is never reused.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# `json`, not `jsonb`, on PostgreSQL: kept as sent, and 3-4x cheaper to insert (no decomposition); the
# server never queries inside payloads.
JsonType = JSON()
BigId = BigInteger().with_variant(Integer(), "sqlite")

ACTIVE_DEVICE = "revoked_at IS NULL AND confirmed_at IS NOT NULL"
PENDING_DEVICE = "revoked_at IS NULL AND confirmed_at IS NULL"

hall = Table(
    "hall",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

enrollment = Table(
    "enrollment",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), nullable=False),
    Column("window_code", String(12), nullable=False, index=True),
    Column("replace_device", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
    Column("device_id", String(36)),
    Column("window_name", Text),
)

device = Table(
    "device",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), nullable=False),
    Column("window_code", String(12), nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("enrolled_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime),
    Column("revoked_at", DateTime),
    Column("revoked_reason", Text),
    Index(
        "ux_device_active_window",
        "window_code",
        unique=True,
        sqlite_where=text(ACTIVE_DEVICE),
        postgresql_where=text(ACTIVE_DEVICE),
    ),
    Index(
        "ux_device_pending_window",
        "window_code",
        unique=True,
        sqlite_where=text(PENDING_DEVICE),
        postgresql_where=text(PENDING_DEVICE),
    ),
)

case_event = Table(
    "case_event",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("device_id", String(36), ForeignKey("device.device_id"), nullable=False, index=True),
    Column("hall_code", String(32), nullable=False),
    Column("window_code", String(12), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("case_day", Date, nullable=False),
    Column("kind", Text, nullable=False),
    Column("payload", JsonType, nullable=False),
    Column("clerk_login", Text, nullable=False),
    Column("device_time", Text, nullable=False),
    Column("local_seq", BigInteger, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # SHA-256 of the event's content as first stored (server.sync); NULL for events stored before 0004.
    Column("content_sha256", String(64)),
    # The window's hash chain as sent (app.audit.chain); NULL from windows older than the chain.
    Column("prev_hash", String(64)),
    Column("event_hash", String(64)),
    # The step and statuses a change of the case carries (app.cases.status), copied from the payload on
    # insert; NULL for events that change no status, of windows older than steps, or stored before 0007.
    Column("step", BigInteger),
    Column("from_status", Text),
    Column("to_status", Text),
    Index("ix_case_event_case_number_kind", "case_number", "kind"),
    Index("ix_case_event_window_code_case_day", "window_code", "case_day"),
)

case_record = Table(
    "case_record",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), nullable=False, index=True),
    Column("window_code", String(12), nullable=False),
    Column("item_code", Text, nullable=False),
    Column("decision", Text, nullable=False),
    Column("decided_status", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("clerk_login", Text, nullable=False),
    Column("device_created_at", Text, nullable=False),
    Column("snapshot", JsonType, nullable=False),
    Column("first_event_id", String(36), ForeignKey("case_event.event_id"), nullable=False, unique=True),
    Column("device_id", String(36), nullable=False),
    Column("updated_by_event_id", String(36), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # The last step taken (app.cases.status.replay); NULL: not projected again since 0007.
    Column("step", BigInteger),
    # The case's timing (app.lifecycle.timing) as decided, and as its applied events moved it (0010).
    Column("decided_timing", JsonType),
    Column("timing", JsonType),
    # The 一件事 bundle the case was decided in, as its decision said (0013); NULL: decided alone.
    Column("bundle_number", String(40)),
    Index("ix_case_record_window_code_received_on", "window_code", "received_on"),
    Index("ix_case_record_bundle_number", "bundle_number"),
)

change_log = Table(
    "change_log",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("hall_code", String(32), nullable=False),
    Column("kind", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("payload", JsonType, nullable=False),
    Column("committed_at", DateTime, nullable=False),
    # The device whose push caused the change; its own pulls skip it (it knows already). None = for all.
    Column("origin_device_id", String(36), nullable=True),
    Index("ix_change_log_hall_code_seq", "hall_code", "seq"),
    sqlite_autoincrement=True,
)

conflict = Table(
    "conflict",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("hall_code", String(32), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("other_event_id", String(36), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("window_code", String(12), nullable=False),
    Column("message", Text, nullable=False),
    Column("detail", JsonType, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("resolution", Text),
    Column("resolved_by", Text),
    UniqueConstraint("reason", "event_id", "other_event_id"),
    Index("ix_conflict_device_id_case_number", "device_id", "case_number"),
    Index("ix_conflict_hall_code_resolved_at", "hall_code", "resolved_at"),
)

catalog_publication = Table(
    "catalog_publication",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("published", Date, nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),  # the file as published, served byte for byte
    Column("item_count", Integer, nullable=False),
    Column("published_at", DateTime, nullable=False),
)

calendar_publication = Table(
    "calendar_publication",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("content", JsonType, nullable=False),
    Column("published_at", DateTime, nullable=False),
)

signing_key = Table(
    "signing_key",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), nullable=False, index=True),
    Column("window_code", String(12), nullable=False),
    Column("device_id", String(36), nullable=False),  # the device that registered it
    Column("algorithm", String(16), nullable=False),
    Column("public_key", String(64), nullable=False),  # hex
    Column("office_code", String(18), nullable=False),
    Column("office_name", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("registered_at", DateTime, nullable=False),
    # Revoked with its PC by hall IT (`clerk-server revoke`): no longer trusted for a helper's hand-off.
    Column("revoked_at", DateTime),
    Column("revoked_reason", Text),
)

chain_head = Table(
    "chain_head",
    metadata,
    Column("window_code", String(12), primary_key=True),
    Column("hall_code", String(32), nullable=False),
    Column("device_id", String(36), nullable=False),  # the device that pushed the head last
    Column("event_id", String(36)),  # NULL: no chained event received yet
    Column("event_hash", String(64)),
    Column("local_seq", BigInteger),
    Column("updated_at", DateTime, nullable=False),
)

account = Table(
    "account",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), nullable=False),
    Column("login", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("roles", Text, nullable=False),  # role codes separated by spaces
    Column("password_hash", Text, nullable=False),
    Column("disabled_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # Set: the password is temporary (hall IT set it): to be changed at first sign-in, refused after.
    Column("temporary_until", DateTime),
    UniqueConstraint("hall_code", "login"),
)

message = Table(
    "message",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), ForeignKey("case_event.event_id"), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("kind", Text, nullable=False),  # the event's kind
    Column("hall_code", String(32), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("phone", String(40), nullable=False),  # "" when the case gave none
    Column("text", Text, nullable=False),
    Column("state", String(12), nullable=False),  # queued | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("gateway", String(16)),  # the gateway that delivered it (or refused it for good)
    Column("created_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime),  # NULL once delivered or failed
    Column("delivered_at", DateTime),
    UniqueConstraint("event_id", "purpose"),
    Index("ix_message_hall_code_created_at", "hall_code", "created_at"),
    Index("ix_message_state_next_attempt_at", "state", "next_attempt_at"),
)

# 好差评 (server.ratings): one rating per service event (一次一评), filled from the stored `service.rated`
# events, and the supervisor's follow-up of a 差评 (`service.followed_up`). Times as the window sent them.
rating = Table(
    "rating",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("service_event_id", String(36), nullable=False, unique=True),
    Column("hall_code", String(32), nullable=False),
    Column("case_number", String(32), nullable=False),
    Column("level", Integer, nullable=False),
    Column("reason", Text),
    Column("window_code", String(12), nullable=False),
    Column("clerk_login", Text, nullable=False),
    Column("rated_at", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("follow_up_event_id", String(36), unique=True),
    Column("followed_up_at", Text),
    Column("followed_up_by", Text),
    Column("follow_up_note", Text),
    Index("ix_rating_hall_code_level", "hall_code", "level"),
)

blob = Table(
    "blob",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("byte_size", BigInteger, nullable=False),
    Column("completed_at", DateTime, nullable=False),
)

blob_upload = Table(
    "blob_upload",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), primary_key=True),
    Column("byte_size", BigInteger, nullable=False),  # as declared by the hall's first request
    Column("received_bytes", BigInteger, nullable=False),
    Column("device_id", String(36), nullable=False),  # the device that sent last
    Column("started_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("completed_at", DateTime),  # NULL: still on its way
    Index("ix_blob_upload_hall_code", "hall_code"),
)

case_page_set = Table(
    "case_page_set",
    metadata,
    Column("case_number", String(32), primary_key=True),
    Column("material_code", String(80), primary_key=True),
    Column("visit", Integer, primary_key=True),
    Column("hall_code", String(32), nullable=False),
    Column("event_id", String(36), ForeignKey("case_event.event_id"), nullable=False),
    Column("page_count", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

helper_draft = Table(
    "helper_draft",
    metadata,
    Column("draft_id", String(36), primary_key=True),
    Column("hall_code", String(32), ForeignKey("hall.code"), nullable=False),
    Column("window_code", String(12), nullable=False),  # the helper's PC
    Column("device_id", String(36), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("item_code", String(80), nullable=False),
    Column("catalog_version", String(64), nullable=False),
    Column("helper_login", String(40), nullable=False),
    Column("helper_name", Text, nullable=False),
    Column("applicant_name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),  # the draft's own time (the helper PC's clock)
    Column("content", Text, nullable=False),  # canonical JSON
    Column("sha256", String(64), nullable=False),
    Column("code", Text, nullable=False),  # the signed reference code
    Column("received_at", DateTime, nullable=False),
    Column("used_by", String(32)),  # the first case naming it
    Column("used_at", DateTime),
    Index("ix_helper_draft_hall_code_used_by", "hall_code", "used_by"),
)

# Who prepared a case before the counter (issue 15): one row per case whose decision names a helper
# (`prepared_by`), so a helper's client list is one indexed read of the hall's cases, never a scan of
# snapshots. Inserted with the case; the rest of the case (status, timing) is `case_record`'s.
case_preparer = Table(
    "case_preparer",
    metadata,
    Column("case_number", String(32), ForeignKey("case_record.number"), primary_key=True),
    Column("hall_code", String(32), nullable=False),
    Column("helper_login", String(64), nullable=False),
    Column("draft_id", String(36), nullable=False),
    Column("agency", Boolean, nullable=False),  # 代办: the decision carries a 代办委托书
    Index("ix_case_preparer_hall_code_helper_login", "hall_code", "helper_login"),
)

case_holder = Table(
    "case_holder",
    metadata,
    Column("case_number", String(32), primary_key=True),
    Column("hall_code", String(32), nullable=False),
    Column("holder_id_number", Text, nullable=False),
    Index("ix_case_holder_hall_code_holder_id_number", "hall_code", "holder_id_number"),
)

case_licence = Table(
    "case_licence",
    metadata,
    Column("case_number", String(32), primary_key=True),
    Column("material_code", String(80), primary_key=True),
    Column("hall_code", String(32), nullable=False),
    Column("item_code", Text, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("licence_id", String(80), nullable=False),
    Column("licence_type", String(80), nullable=False),
    Column("source", String(16), nullable=False),  # issued | imported (app.licence_library.evidence)
    Column("verified_by", String(16), nullable=False),  # qr_offline | library | server_lookup
    Column("event_id", String(36), ForeignKey("case_event.event_id"), nullable=False),
    Index("ix_case_licence_licence_id", "licence_id"),
    Index("ix_case_licence_hall_code_received_on", "hall_code", "received_on"),
)
