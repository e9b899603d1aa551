"""Identity backends, one module per ERP; `BACKENDS` names the class of each (imported on use)."""

BACKENDS = {
    "native": "erp_console.services.access.backends.native:NativeIdentity",
    "odoo": "erp_console.services.access.backends.odoo:OdooIdentity",
    "erpnext": "erp_console.services.access.backends.erpnext:ErpnextIdentity",
    "dolibarr": "erp_console.services.access.backends.dolibarr:DolibarrIdentity",
}
