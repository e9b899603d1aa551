"""Every top-level command of `erp-console`, by name: where it lives and its one-line summary.

A new command module adds its top-level commands here (tests/core/test_cli_lazy.py checks each
summary against the command's own help, and that every entry resolves).
"""

from __future__ import annotations

from erp_console.cli.lazy import LazyCommand

COMMANDS: dict[str, LazyCommand] = {
    "audit": LazyCommand(
        "erp_console.cli.audit_cmds:audit",
        "The audit trail: who changed what, when and why.",
    ),
    "backup": LazyCommand(
        "erp_console.cli.maintenance_cmds:backup_cmd",
        "Portable backup: one JSON Lines file per table plus a manifest with checksums.",
    ),
    "changes": LazyCommand(
        "erp_console.cli.lifecycle_cmds:changes",
        "Change requests: create (also from an incident), move through their lifecycle, list.",
    ),
    "db": LazyCommand(
        "erp_console.cli.maintenance_cmds:db",
        "Database health and maintenance (analyze, vacuum/optimize, integrity check).",
    ),
    "demo": LazyCommand(
        "erp_console.cli.setup_cmds:demo",
        "Load the realistic demo ERP into an empty database (creating the schema if needed).",
    ),
    "docs": LazyCommand(
        "erp_console.cli.records_cmds:docs",
        "Documents: maintenance records, system log, secondary development, support, process docs.",
    ),
    "explain": LazyCommand(
        "erp_console.cli.access_cmds:explain",
        "Can LOGIN do PERMISSION? Yes via which role, or exactly why not.",
    ),
    "export": LazyCommand(
        "erp_console.cli.maintenance_cmds:export_cmd",
        "Export a native TABLE or a VIEW (users, role-matrix, sod-conflicts, process-coverage).",
    ),
    "grant": LazyCommand(
        "erp_console.cli.access_cmds:grant",
        "Grant a role to one or many users: `grant --role R USER...` or `grant R USER...`.",
    ),
    "import": LazyCommand(
        "erp_console.cli.maintenance_cmds:import_cmd",
        "Import KIND from a CSV or JSON Lines FILE: validated completely, then all or nothing.",
    ),
    "incidents": LazyCommand(
        "erp_console.cli.lifecycle_cmds:incidents",
        "Incidents: record, edit, resolve, reopen, list.",
    ),
    "init": LazyCommand(
        "erp_console.cli.setup_cmds:init",
        "Create the schema, or upgrade it to the latest migration (safe to run again).",
    ),
    "logs": LazyCommand(
        "erp_console.cli.records_cmds:logs",
        "System logs: search, ingest files, counts, retention.",
    ),
    "org": LazyCommand(
        "erp_console.cli.org_cmds:org",
        "Departments: tree, move, rename, merge, split, deactivate, defaults (plan, then apply).",
    ),
    "processes": LazyCommand(
        "erp_console.cli.process_cmds:processes",
        "Business processes: list, show, coverage, version, retire, review.",
    ),
    "profiles": LazyCommand(
        "erp_console.cli.profiles_cmds:profiles",
        "Saved connection profiles (config.toml; passwords never stored).",
    ),
    "report": LazyCommand(
        "erp_console.cli.lifecycle_cmds:report",
        "The maintenance report of a period, in Markdown (printable).",
    ),
    "restore": LazyCommand(
        "erp_console.cli.maintenance_cmds:restore_cmd",
        "Restore a backup into an empty database of any dialect (verified before writing).",
    ),
    "revoke": LazyCommand(
        "erp_console.cli.access_cmds:revoke",
        "Revoke a role from users: `revoke --role R USER...` or `revoke R USER...`.",
    ),
    "roles": LazyCommand(
        "erp_console.cli.access_cmds:roles",
        "Roles: list, show, compare, create, edit, permissions.",
    ),
    "snapshot": LazyCommand(
        "erp_console.cli.maintenance_cmds:snapshot_cmd",
        "A self-contained SQLite copy for offline review (opened read-only by the console).",
    ),
    "sod": LazyCommand(
        "erp_console.cli.access_cmds:sod",
        "Segregation of duties.",
    ),
    "stage": LazyCommand(
        "erp_console.cli.lifecycle_cmds:stage",
        "The lifecycle stage: status with evidence, transition, history, thresholds.",
    ),
    "users": LazyCommand(
        "erp_console.cli.access_cmds:users",
        "ERP users: list, show, add, edit, lock, unlock, disable, enable, reviews.",
    ),
    "who-has": LazyCommand(
        "erp_console.cli.access_cmds:who_has",
        "Active users who hold PERMISSION now, with the granting roles.",
    ),
}
