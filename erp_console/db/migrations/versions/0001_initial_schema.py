"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

The whole native schema (models.py), plus full-text search on system_log per dialect.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["department.id"], name=op.f("fk_department_parent_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("code", name=op.f("uq_department_code")),
    )
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("module", sa.String(length=16), nullable=True),
        sa.Column("reporter", sa.String(length=64), nullable=False),
        sa.Column(
            "opened_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "resolved_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_category_opened", ["category", "opened_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_module"), ["module"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index("ix_incident_status_severity", ["status", "severity"], unique=False)

    op.create_table(
        "log_ingest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column(
            "ingested_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("ingested_by", sa.String(length=64), nullable=False),
        sa.Column("lines_ok", sa.Integer(), nullable=False),
        sa.Column("lines_bad", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_ingest")),
    )
    with op.batch_alter_table("log_ingest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_ingest_checksum"), ["checksum"], unique=False)

    op.create_table(
        "maintenance_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("target_label", sa.String(length=300), nullable=True),
        sa.Column(
            "before_json",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column(
            "after_json",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_log")),
    )
    with op.batch_alter_table("maintenance_log", schema=None) as batch_op:
        batch_op.create_index("ix_maintenance_log_action_at", ["action", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_log_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_maintenance_log_target", ["target_type", "target_id"], unique=False
        )

    op.create_table(
        "permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("module", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("risk", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission")),
        sa.UniqueConstraint("code", name=op.f("uq_permission_code")),
    )
    with op.batch_alter_table("permission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_permission_module"), ["module"], unique=False)

    op.create_table(
        "role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role")),
        sa.UniqueConstraint("code", name=op.f("uq_role_code")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "stage_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "ended_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_history")),
    )
    op.create_table(
        "system_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erp_name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("go_live_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_profile")),
    )
    op.create_table(
        "business_process",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_department_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_department_id"],
            ["department.id"],
            name=op.f("fk_business_process_owner_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_process")),
        sa.UniqueConstraint("code", name=op.f("uq_business_process_code")),
    )
    op.create_table(
        "change_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_new_function", sa.Boolean(), nullable=False),
        sa.Column("module", sa.String(length=16), nullable=True),
        sa.Column("origin_incident_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "decided_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column(
            "done_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["origin_incident_id"],
            ["incident.id"],
            name=op.f("fk_change_request_origin_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
    )
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_request_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_change_request_origin_incident_id"), ["origin_incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_request_status"), ["status"], unique=False)

    op.create_table(
        "department_role",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_department_role_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name=op.f("fk_department_role_role_id_role")
        ),
        sa.PrimaryKeyConstraint("department_id", "role_id", name=op.f("pk_department_role")),
    )
    with op.batch_alter_table("department_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_role_role_id"), ["role_id"], unique=False)

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column(
            "body",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("audit_entry_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_entry_id"],
            ["maintenance_log.id"],
            name=op.f("fk_document_audit_entry_id_maintenance_log"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_status"), ["status"], unique=False)

    op.create_table(
        "erp_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("login_key", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lock_reason", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "last_login_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_erp_user_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_user")),
        sa.UniqueConstraint("login_key", name=op.f("uq_erp_user_login_key")),
    )
    with op.batch_alter_table("erp_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erp_user_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            "ix_erp_user_department_status", ["department_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erp_user_last_login_at"), ["last_login_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_erp_user_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_erp_user_valid_to"), ["valid_to"], unique=False)

    op.create_table(
        "role_permission",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["permission.id"],
            name=op.f("fk_role_permission_permission_id_permission"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name=op.f("fk_role_permission_role_id_role")
        ),
        sa.PrimaryKeyConstraint("role_id", "permission_id", name=op.f("pk_role_permission")),
    )
    with op.batch_alter_table("role_permission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_permission_permission_id"), ["permission_id"], unique=False
        )

    op.create_table(
        "sod_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("permission_a_id", sa.Integer(), nullable=False),
        sa.Column("permission_b_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["permission_a_id"],
            ["permission.id"],
            name=op.f("fk_sod_rule_permission_a_id_permission"),
        ),
        sa.ForeignKeyConstraint(
            ["permission_b_id"],
            ["permission.id"],
            name=op.f("fk_sod_rule_permission_b_id_permission"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sod_rule")),
        sa.UniqueConstraint("name", name=op.f("uq_sod_rule_name")),
    )
    with op.batch_alter_table("sod_rule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sod_rule_permission_a_id"), ["permission_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sod_rule_permission_b_id"), ["permission_b_id"], unique=False
        )

    op.create_table(
        "system_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "ts",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("user_login", sa.String(length=64), nullable=True),
        sa.Column("host", sa.String(length=128), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("ingest_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ingest_id"], ["log_ingest.id"], name=op.f("fk_system_log_ingest_id_log_ingest")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_log")),
    )
    with op.batch_alter_table("system_log", schema=None) as batch_op:
        batch_op.create_index("ix_system_log_level_ts", ["level", "ts"], unique=False)
        batch_op.create_index("ix_system_log_source_ts", ["source", "ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_system_log_ts"), ["ts"], unique=False)
        batch_op.create_index("ix_system_log_user_ts", ["user_login", "ts"], unique=False)

    op.create_table(
        "document_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_document_link_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_link")),
        sa.UniqueConstraint(
            "document_id",
            "entity_type",
            "entity_id",
            name=op.f("uq_document_link_document_id_entity_type_entity_id"),
        ),
    )
    with op.batch_alter_table("document_link", schema=None) as batch_op:
        batch_op.create_index("ix_document_link_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "document_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column(
            "body",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_document_revision_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_revision")),
        sa.UniqueConstraint(
            "document_id", "number", name=op.f("uq_document_revision_document_id_number")
        ),
    )
    op.create_table(
        "process_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column(
            "opened_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "closed_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=True,
        ),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column(
            "coverage_snapshot",
            sa.Text()
            .with_variant(mysql.LONGTEXT(), "mariadb")
            .with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["business_process.id"],
            name=op.f("fk_process_review_process_id_business_process"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_review")),
    )
    with op.batch_alter_table("process_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_review_process_id"), ["process_id"], unique=False
        )

    op.create_table(
        "process_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["business_process.id"],
            name=op.f("fk_process_version_process_id_business_process"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_version")),
        sa.UniqueConstraint(
            "process_id", "number", name=op.f("uq_process_version_process_id_number")
        ),
    )
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_version_process_id"), ["process_id"], unique=False
        )

    op.create_table(
        "sod_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
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
            ["rule_id"], ["sod_rule.id"], name=op.f("fk_sod_exception_rule_id_sod_rule")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["erp_user.id"], name=op.f("fk_sod_exception_user_id_erp_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sod_exception")),
        sa.UniqueConstraint("user_id", "rule_id", name=op.f("uq_sod_exception_user_id_rule_id")),
    )
    with op.batch_alter_table("sod_exception", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sod_exception_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column(
            "granted_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["role.id"], name=op.f("fk_user_role_role_id_role")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["erp_user.id"], name=op.f("fk_user_role_user_id_erp_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_role")),
        sa.UniqueConstraint("user_id", "role_id", name=op.f("uq_user_role_user_id_role_id")),
    )
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_role_role_id"), ["role_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_role_user_id"), ["user_id"], unique=False)

    op.create_table(
        "process_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_process_step_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["permission.id"],
            name=op.f("fk_process_step_permission_id_permission"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["role.id"], name=op.f("fk_process_step_role_id_role")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["process_version.id"],
            name=op.f("fk_process_step_version_id_process_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_step")),
        sa.UniqueConstraint("version_id", "seq", name=op.f("uq_process_step_version_id_seq")),
    )
    with op.batch_alter_table("process_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_step_permission_id"), ["permission_id"], unique=False
        )

    op.create_table(
        "review_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("change_request_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime()
            .with_variant(mysql.DATETIME(fsp=6), "mariadb")
            .with_variant(mysql.DATETIME(fsp=6), "mysql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["change_request_id"],
            ["change_request.id"],
            name=op.f("fk_review_finding_change_request_id_change_request"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["process_review.id"],
            name=op.f("fk_review_finding_review_id_process_review"),
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["process_step.id"], name=op.f("fk_review_finding_step_id_process_step")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_finding")),
    )
    with op.batch_alter_table("review_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_finding_review_id"), ["review_id"], unique=False
        )

    _create_full_text()


def downgrade() -> None:
    _drop_full_text()
    with op.batch_alter_table("review_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_finding_review_id"))

    op.drop_table("review_finding")
    with op.batch_alter_table("process_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_step_permission_id"))

    op.drop_table("process_step")
    with op.batch_alter_table("user_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_role_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_role_role_id"))

    op.drop_table("user_role")
    with op.batch_alter_table("sod_exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sod_exception_user_id"))

    op.drop_table("sod_exception")
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_version_process_id"))

    op.drop_table("process_version")
    with op.batch_alter_table("process_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_review_process_id"))

    op.drop_table("process_review")
    op.drop_table("document_revision")
    with op.batch_alter_table("document_link", schema=None) as batch_op:
        batch_op.drop_index("ix_document_link_entity")

    op.drop_table("document_link")
    with op.batch_alter_table("system_log", schema=None) as batch_op:
        batch_op.drop_index("ix_system_log_user_ts")
        batch_op.drop_index(batch_op.f("ix_system_log_ts"))
        batch_op.drop_index("ix_system_log_source_ts")
        batch_op.drop_index("ix_system_log_level_ts")

    op.drop_table("system_log")
    with op.batch_alter_table("sod_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sod_rule_permission_b_id"))
        batch_op.drop_index(batch_op.f("ix_sod_rule_permission_a_id"))

    op.drop_table("sod_rule")
    with op.batch_alter_table("role_permission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_permission_permission_id"))

    op.drop_table("role_permission")
    with op.batch_alter_table("erp_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_user_valid_to"))
        batch_op.drop_index(batch_op.f("ix_erp_user_status"))
        batch_op.drop_index(batch_op.f("ix_erp_user_last_login_at"))
        batch_op.drop_index("ix_erp_user_department_status")
        batch_op.drop_index(batch_op.f("ix_erp_user_department_id"))

    op.drop_table("erp_user")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_status"))
        batch_op.drop_index(batch_op.f("ix_document_kind"))

    op.drop_table("document")
    with op.batch_alter_table("department_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_role_role_id"))

    op.drop_table("department_role")
    with op.batch_alter_table("change_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_request_status"))
        batch_op.drop_index(batch_op.f("ix_change_request_origin_incident_id"))
        batch_op.drop_index(batch_op.f("ix_change_request_kind"))

    op.drop_table("change_request")
    op.drop_table("business_process")
    op.drop_table("system_profile")
    op.drop_table("stage_history")
    op.drop_table("setting")
    op.drop_table("role")
    with op.batch_alter_table("permission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permission_module"))

    op.drop_table("permission")
    with op.batch_alter_table("maintenance_log", schema=None) as batch_op:
        batch_op.drop_index("ix_maintenance_log_target")
        batch_op.drop_index(batch_op.f("ix_maintenance_log_at"))
        batch_op.drop_index(batch_op.f("ix_maintenance_log_actor"))
        batch_op.drop_index("ix_maintenance_log_action_at")

    op.drop_table("maintenance_log")
    with op.batch_alter_table("log_ingest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_ingest_checksum"))

    op.drop_table("log_ingest")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_status_severity")
        batch_op.drop_index(batch_op.f("ix_incident_opened_at"))
        batch_op.drop_index(batch_op.f("ix_incident_module"))
        batch_op.drop_index("ix_incident_category_opened")

    op.drop_table("incident")
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_parent_id"))

    op.drop_table("department")


SQLITE_FTS = [
    "CREATE VIRTUAL TABLE system_log_fts USING fts5(message, content='system_log', content_rowid='id')",
    "CREATE TRIGGER system_log_fts_ai AFTER INSERT ON system_log BEGIN "
    "INSERT INTO system_log_fts(rowid, message) VALUES (new.id, new.message); END",
    "CREATE TRIGGER system_log_fts_ad AFTER DELETE ON system_log BEGIN "
    "INSERT INTO system_log_fts(system_log_fts, rowid, message) VALUES ('delete', old.id, old.message); END",
    "CREATE TRIGGER system_log_fts_au AFTER UPDATE OF message ON system_log BEGIN "
    "INSERT INTO system_log_fts(system_log_fts, rowid, message) VALUES ('delete', old.id, old.message); "
    "INSERT INTO system_log_fts(rowid, message) VALUES (new.id, new.message); END",
]


def _create_full_text() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_system_log_fts ON system_log USING GIN (to_tsvector('simple', message))"
        )
    else:
        op.execute("CREATE FULLTEXT INDEX ix_system_log_fts ON system_log (message)")


def _drop_full_text() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("system_log_fts_ai", "system_log_fts_ad", "system_log_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS system_log_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_system_log_fts")
    else:
        op.execute("DROP INDEX ix_system_log_fts ON system_log")
