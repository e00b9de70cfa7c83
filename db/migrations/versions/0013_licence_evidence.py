"""electronic licences in place of paper (issue 15): the licence a material was satisfied by, and the
third-party licences imported into the licence library with their issuers' keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_material") as batch:
        batch.add_column(sa.Column("licence_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("licence_type", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("licence_source", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("licence_verified_by", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("licence_qr_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("licence_issuer_key", sa.JSON(), nullable=True))
    op.create_table(
        "licence_issuer_key",
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column("public_key", sa.String(length=200), nullable=False),
        sa.Column("office_name", sa.String(length=200), nullable=False),
        sa.Column("office_code", sa.String(length=18), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "imported_licence",
        sa.Column("licence_id", sa.String(length=120), nullable=False),
        sa.Column("licence_type", sa.String(length=40), nullable=False),
        sa.Column("type_name", sa.String(length=200), nullable=False),
        sa.Column("holder_name", sa.String(length=400), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=40), nullable=False),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("qr_text", sa.Text(), nullable=False),
        sa.Column("imported_by", sa.String(length=40), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["licence_issuer_key.key_id"]),
        sa.PrimaryKeyConstraint("licence_id"),
    )
    op.create_index("ix_imported_licence_holder_id_masked", "imported_licence", ["holder_id_masked"])


def downgrade() -> None:
    op.drop_index("ix_imported_licence_holder_id_masked", table_name="imported_licence")
    op.drop_table("imported_licence")
    op.drop_table("licence_issuer_key")
    with op.batch_alter_table("case_material") as batch:
        for column in (
            "licence_issuer_key",
            "licence_qr_text",
            "licence_verified_by",
            "licence_source",
            "licence_type",
            "licence_id",
        ):
            batch.drop_column(column)
