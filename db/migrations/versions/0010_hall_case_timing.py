"""the hall's cases carry their timing (issue 13): due days on the hall index, and the partial indexes of
the approver's queue and the supervisor's watch over both tables

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# As db.models.WATCH_LISTS says them at this revision: (list, day ordered by, rows held).
LISTS = (
    ("legal", "legal_due", "status IN ('accepted', 'in_review') AND legal_due IS NOT NULL"),
    ("promised", "promised_date", "status IN ('accepted', 'in_review') AND promised_date IS NOT NULL"),
    ("suspended", "suspended_since", "status = 'suspended' AND suspended_since IS NOT NULL"),
    (
        "deadlines",
        "supplement_deadline",
        "supplement_deadline IS NOT NULL AND (status = 'awaiting_supplement'"
        " OR (status IN ('accepted', 'in_review', 'suspended') AND tolerated_outstanding != ''))",
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("hall_case", schema=None) as batch_op:
        # What the server's `timing` of a case.updated change says; NULL for entries of older changes.
        batch_op.add_column(sa.Column("department", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("accepted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("legal_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("legal_due_uncertain", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("promised_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("supplement_deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("suspended_since", sa.Date(), nullable=True))
        # Material codes of tolerated (容缺) materials still to come, separated by spaces.
        batch_op.add_column(sa.Column("tolerated_outstanding", sa.Text(), nullable=False, server_default=""))
    for table in ("case", "hall_case"):
        for name, day, condition in LISTS:
            # After the day and the filters, what the condition reads: a count never leaves the index.
            tolerated = ["tolerated_outstanding"] if "tolerated_outstanding" in condition else []
            op.create_index(
                f"ix_{table}_watch_{name}",
                table,
                [day, "department", "window_code", "status", *tolerated, "number"],
                sqlite_where=sa.text(condition),
            )


def downgrade() -> None:
    for table in ("case", "hall_case"):
        for name, _day, _condition in LISTS:
            op.drop_index(f"ix_{table}_watch_{name}", table_name=table)
    with op.batch_alter_table("hall_case", schema=None) as batch_op:
        for column in (
            "tolerated_outstanding",
            "suspended_since",
            "supplement_deadline",
            "promised_date",
            "legal_due_uncertain",
            "legal_due",
            "accepted_on",
            "department",
        ):
            batch_op.drop_column(column)
