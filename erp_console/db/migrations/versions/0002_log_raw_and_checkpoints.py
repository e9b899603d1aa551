"""system_log.raw and log_checkpoint

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

system_log.raw keeps an entry's first line as the file had it (built-in log formats);
log_checkpoint records how far each log file was read (device, inode, offset, hashes), so a grown
file is read on from there and `logs follow` resumes after a restart without gaps or duplicates.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch (copy-and-rename) would drop SQLite's full-text triggers.
    op.add_column("system_log", sa.Column("raw", sa.Text(), nullable=True))
    op.create_table(
        "log_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_key", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("device", sa.BigInteger(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("prefix_sha256", sa.String(length=64), nullable=False),
        sa.Column("last_line_sha256", sa.String(length=64), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("ingest_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ingest_id"], ["log_ingest.id"], name=op.f("fk_log_checkpoint_ingest_id_log_ingest")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_checkpoint")),
        sa.UniqueConstraint("path_key", name=op.f("uq_log_checkpoint_path_key")),
    )


def downgrade() -> None:
    op.drop_table("log_checkpoint")
    op.drop_column("system_log", "raw")
