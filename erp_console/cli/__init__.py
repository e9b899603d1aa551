"""The scriptable CLI: a thin layer over the services. Each module adds its commands to `main`.

Command modules import services inside their functions so opening the TUI stays fast.
"""

from erp_console.cli import (  # noqa: F401  (each module registers its commands)
    access_cmds,
    audit_cmds,
    lifecycle_cmds,
    maintenance_cmds,
    org_cmds,
    process_cmds,
    profiles_cmds,
    records_cmds,
    setup_cmds,
)
from erp_console.cli.root import main

__all__ = ["main"]
