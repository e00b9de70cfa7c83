"""the window's events form a hash chain (issue 12): each event carries the previous one's hash and its own

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

The events an older version stored are chained here, in id order (the outbox's order), so the whole local
history is chained: `clerk audit verify` walks it from the first event, and the server receives the
unsent ones with their hashes. Their hashes are made from the stored columns as the outbox sends them.
"""

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from app.audit import chain

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ROWS_PER_STEP = 5000


def upgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("event_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    prev_hash = chain.GENESIS
    after = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, event_id, case_number, kind, payload, clerk_login, window_code, device_time "
                "FROM case_event WHERE id > :after ORDER BY id LIMIT :limit"
            ),
            {"after": after, "limit": _ROWS_PER_STEP},
        ).all()
        if not rows:
            break
        updates = []
        for row_id, event_id, number, kind, payload, clerk, window, device_time in rows:
            moment = device_time if isinstance(device_time, datetime) else datetime.fromisoformat(device_time)
            own = chain.event_hash(
                prev_hash=prev_hash,
                event_id=event_id,
                case_number=number,
                kind=kind,
                payload=json.loads(payload) if isinstance(payload, str) else payload,
                clerk_login=clerk,
                window_code=window,
                device_time=chain.utc_text(moment),
            )
            updates.append({"id": row_id, "prev": prev_hash, "own": own})
            prev_hash = own
            after = row_id
        connection.execute(
            sa.text("UPDATE case_event SET prev_hash = :prev, event_hash = :own WHERE id = :id"), updates
        )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("event_hash", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("event_hash")
        batch_op.drop_column("prev_hash")
