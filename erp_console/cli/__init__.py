"""The scriptable CLI: a thin layer over the services.

`main` is a lazy group (cli/lazy.py): cli/registry.py names each top-level command's module, which
is imported only when that command runs, so `--help`, `--version` and the TUI stay light.
"""

from erp_console.cli.root import main

__all__ = ["main"]
