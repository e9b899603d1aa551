"""ERP-shaped demo databases (Odoo, ERPNext, Dolibarr) for trying a connector without production
(`erp-console demo --erp ...`), one module per ERP."""
