"""erp_sod_exception

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

An accepted SoD override for a user of a connected ERP, keyed by the ERP's kind and the user's
login there (the ERP's users are not rows of erp_user). A new table only: archives written at
0002 restore into it unchanged (services/data/backup.py).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erp_sod_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erp", sa.String(length=20), nullable=False),
        sa.Column("login", sa.String(length=255), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["sod_rule.id"], name=op.f("fk_erp_sod_exception_rule_id_sod_rule")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_sod_exception")),
        sa.UniqueConstraint(
            "erp", "login", "rule_id", name=op.f("uq_erp_sod_exception_erp_login_rule_id")
        ),
    )
    with op.batch_alter_table("erp_sod_exception", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_sod_exception_rule_id"), ["rule_id"], unique=False)


def downgrade() -> None:
    op.drop_table("erp_sod_exception")
