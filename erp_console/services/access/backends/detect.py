"""Which identity model a database holds: the native schema or a known ERP, from its tables.

Each backend module has `detect(connection) -> ErpIdentity | None` (None: not its tables; raises
ConfigError for a version it does not support). A backend not part of this installation yet is
skipped when detecting and refused by name when asked for with `--erp`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from erp_console.db.engine import Database
from erp_console.errors import ConfigError, ValidationError
from erp_console.services.access.backends import BACKENDS
from erp_console.services.access.identity import ErpIdentity, IdentityBackend

PRODUCTS = {"native": "erp-console", "odoo": "Odoo", "erpnext": "ERPNext", "dolibarr": "Dolibarr"}


def backend_module(kind: str) -> ModuleType | None:
    """The backend module of `kind`, or None when this installation does not have it."""
    name = BACKENDS[kind].split(":", 1)[0]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def backend_class(kind: str) -> type:
    module = backend_module(kind)
    if module is None:
        raise ConfigError(
            f"--erp {kind}: the {PRODUCTS[kind]} connector is not part of this erp-console"
        )
    return getattr(module, BACKENDS[kind].split(":", 1)[1])


def identify(target: Database, erp: str | None = None) -> ErpIdentity:
    """The identity model of `target`: the one named by `erp`, else the first that recognises it."""
    with target.engine.connect() as connection:
        if erp is not None:
            module = backend_module(erp)
            if module is None:
                backend_class(erp)  # raises the clear error
            found = module.detect(connection)
            if found is None:
                raise ValidationError(
                    f"{target.masked_url} is not {with_article(PRODUCTS[erp])} database (its tables are "
                    "missing); check --url, or leave out --erp to detect the ERP"
                )
            return found
        for kind in BACKENDS:
            module = backend_module(kind)
            found = module.detect(connection) if module is not None else None
            if found is not None:
                return found
    known = ", ".join(PRODUCTS[k] for k in BACKENDS if k != "native")
    raise ValidationError(
        f"{target.masked_url} holds no erp-console schema and no tables of a known ERP "
        f"({known}); run `erp-console init` for a console database (or `erp-console --demo`), "
        "or check --url"
    )


def erp_tables_of(target: Database) -> ErpIdentity | None:
    """The ERP (not the native schema) whose tables `target` holds, if any."""
    with target.engine.connect() as connection:
        for kind in BACKENDS:
            module = backend_module(kind) if kind != "native" else None
            found = module.detect(connection) if module is not None else None
            if found is not None:
                return found
    return None


def build_backend(kind: str, target: Database, store: Database) -> IdentityBackend:
    return backend_class(kind)(target, store)


def detect_identity(target: Database, store: Database, erp: str | None = None) -> IdentityBackend:
    """The IdentityBackend for `target` (detected, or the one `erp` names)."""
    found = identify(target, erp)
    if found.kind == "native":
        return build_backend("native", target, target)
    return build_backend(found.kind, target, store)


def with_article(product: str) -> str:
    """ "an Odoo", "an ERPNext", "a Dolibarr"."""
    return ("an " if product[0] in "AEIOU" else "a ") + product
