"""the case's life after the first decision (issue 13): steps, time limits, supplements, suspensions,
corrections, mailing, revocations and ratings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        # The case's last step (app.cases.status): 0 = as decided; each change one more.
        batch_op.add_column(sa.Column("step", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("department", sa.String(length=100), nullable=False, server_default=""))
        # The day the time limits start from: the decision's day, or the day a supplement completed it.
        batch_op.add_column(sa.Column("accepted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("legal_limit_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("legal_limit_unit", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("promised_limit_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("promised_limit_unit", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("legal_due", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("legal_due_uncertain", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("suspended_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("extension", sa.JSON(), nullable=True))
        # Material codes of tolerated (容缺) materials still to be supplied, separated by spaces.
        batch_op.add_column(sa.Column("tolerated_outstanding", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("approve_before_supplied", sa.Boolean(), nullable=False, server_default="0")
        )
        # How a case ended after acceptance (refused, withdrawn, terminated, revoked, mailed …), and when:
        # {"kind", "day", "reason", "basis", "request_day"} as its event said.
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ending", sa.JSON(), nullable=True))
        # A pulled change this PC's copy could not follow: the whole record is fetched again.
        batch_op.add_column(sa.Column("refresh_needed", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.create_index("ix_case_status_department_legal_due", ["status", "department", "legal_due"])
    # Cases decided before: their department and time limits from the catalog version they were decided
    # under; accepted ones start on the day they were received.
    op.execute(
        """
        UPDATE "case" SET
          department = COALESCE((SELECT ci.department FROM catalog_item ci JOIN catalog_version cv
              ON cv.id = ci.catalog_version_id
              WHERE ci.code = "case".item_code AND cv.version = "case".catalog_version), ''),
          legal_limit_days = (SELECT json_extract(ci.details, '$.legal_limit.days') FROM catalog_item ci
              JOIN catalog_version cv ON cv.id = ci.catalog_version_id
              WHERE ci.code = "case".item_code AND cv.version = "case".catalog_version),
          legal_limit_unit = (SELECT json_extract(ci.details, '$.legal_limit.unit') FROM catalog_item ci
              JOIN catalog_version cv ON cv.id = ci.catalog_version_id
              WHERE ci.code = "case".item_code AND cv.version = "case".catalog_version),
          promised_limit_days = (SELECT json_extract(ci.details, '$.promised_limit.days') FROM catalog_item ci
              JOIN catalog_version cv ON cv.id = ci.catalog_version_id
              WHERE ci.code = "case".item_code AND cv.version = "case".catalog_version),
          promised_limit_unit = (SELECT json_extract(ci.details, '$.promised_limit.unit') FROM catalog_item ci
              JOIN catalog_version cv ON cv.id = ci.catalog_version_id
              WHERE ci.code = "case".item_code AND cv.version = "case".catalog_version),
          accepted_on = CASE WHEN status IN ('accepted', 'approved', 'delivered') THEN received_on END
        """
    )
    with op.batch_alter_table("case_material", schema=None) as batch_op:
        # 0: handed over at the decision; n: brought on the n-th return (a supplement or a 容缺 material).
        batch_op.add_column(sa.Column("visit", sa.Integer(), nullable=False, server_default="0"))
    # A document kind may be issued once per visit: a second supplement notice after a supplement that
    # was still incomplete, a second receipt of materials supplied.
    with op.batch_alter_table(
        "document", naming_convention={"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
    ) as batch_op:
        batch_op.add_column(sa.Column("visit", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_document_case_number_kind", type_="unique")
        batch_op.create_unique_constraint(
            "uq_document_case_number_kind_visit", ["case_number", "kind", "visit"]
        )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        # Mailed instead of collected (送达): where, by whom, and the carrier's tracking number.
        batch_op.add_column(sa.Column("mailing", sa.JSON(), nullable=True))
    op.create_table(
        "case_visit",
        # Each return of the applicant after the decision: a supplement (补正) or a tolerated material
        # supplied (容缺补交); what the notice asked, what was brought, and what the check found.
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_number", sa.String(length=40), sa.ForeignKey("case.number"), nullable=False, index=True
        ),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("asked", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("supplement_deadline", sa.Date(), nullable=True),
        sa.Column("clerk_login", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False, unique=True),
        sa.UniqueConstraint("case_number", "visit"),
    )
    op.create_table(
        "case_suspension",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_number", sa.String(length=40), sa.ForeignKey("case.number"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("expected_end", sa.Date(), nullable=False),
        sa.Column("actual_end", sa.Date(), nullable=True),
        sa.Column("clerk_login", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False, unique=True),
        sa.Column("resume_event_id", sa.String(length=36), nullable=True),
    )
    op.create_table(
        "case_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_number", sa.String(length=40), sa.ForeignKey("case.number"), nullable=False, index=True
        ),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clerk_login", sa.String(length=40), nullable=False),
        sa.Column("corrected_at", sa.DateTime(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
    )
    op.create_table(
        "certificate_revocation",
        # Revocations of the hall's certificates (this PC's and those sync brings): the verifier reads it.
        sa.Column("certificate_id", sa.String(length=120), primary_key=True),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=False),
        sa.Column("revoked_by", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
    )
    op.create_table(
        "service_rating",
        # 好差评: one per service event (一次一评); an unfavourable one is followed up by a supervisor.
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.String(length=36), nullable=False, unique=True),
        sa.Column("service_event_id", sa.String(length=36), nullable=False, unique=True),
        sa.Column("case_number", sa.String(length=40), nullable=False, index=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("window_code", sa.String(length=20), nullable=False),
        sa.Column("clerk_login", sa.String(length=40), nullable=False),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(), nullable=True),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("service_rating")
    op.drop_table("certificate_revocation")
    op.drop_table("case_correction")
    op.drop_table("case_suspension")
    op.drop_table("case_visit")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_column("mailing")
    with op.batch_alter_table("case_material", schema=None) as batch_op:
        batch_op.drop_column("visit")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("uq_document_case_number_kind_visit", type_="unique")
        batch_op.create_unique_constraint("uq_document_case_number_kind", ["case_number", "kind"])
        batch_op.drop_column("visit")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_status_department_legal_due")
        for column in (
            "refresh_needed", "ending", "ended_on", "approve_before_supplied",
            "tolerated_outstanding", "extension", "extension_days", "suspended_since", "legal_due_uncertain",
            "legal_due", "promised_limit_unit", "promised_limit_days", "legal_limit_unit", "legal_limit_days",
            "accepted_on", "department", "step",
        ):  # fmt: skip
            batch_op.drop_column(column)
