"""The fixed vocabularies of the ERP schema; importable without SQLAlchemy (the CLI uses them for --help)."""

USER_STATUSES = ("active", "locked", "disabled")
RISKS = ("low", "medium", "high", "critical")
SEVERITIES = ("low", "medium", "high", "critical")
STAGES = ("assurance", "optimization", "expansion", "retired")
INCIDENT_CATEGORIES = (
    "bug",
    "operational_error",
    "permission",
    "design_problem",
    "unrealized_function",
    "new_requirement",
)
ASSURANCE_CATEGORIES = ("bug", "operational_error", "permission")
INCIDENT_STATUSES = ("open", "in_progress", "resolved")
CHANGE_KINDS = ("optimization", "expansion")
CHANGE_STATUSES = ("proposed", "approved", "in_progress", "done", "rejected")
REVIEW_OUTCOMES = ("fit", "needs_optimization", "obsolete")
FINDING_KINDS = (
    "inconvenient_operation",
    "unrealized_function",
    "obsolete_step",
    "permission_gap",
    "excess_permission",
)
DOCUMENT_KINDS = (
    "maintenance_record",
    "system_log",
    "secondary_development",
    "technical_support",
    "process",
)
DOCUMENT_STATUSES = ("draft", "published", "archived")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Log file formats `logs ingest --format` names: the general ones, then the built-in ones.
LOG_FORMATS = (
    "jsonl",
    "csv",
    "text",
    "journald",
    "postgresql-csv",
    "odoo",
    "frappe",
    "gunicorn",
    "dolibarr",
    "postgresql",
    "mariadb-error",
    "mariadb-slow",
    "syslog",
    "access",
    "rq-worker",
)
LINK_ENTITY_TYPES = ("process", "incident", "change_request")
