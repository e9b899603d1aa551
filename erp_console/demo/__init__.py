"""A deterministic, realistic demo ERP database (`erp-console demo`)."""

from erp_console.demo.builder import DemoSummary, build_demo, has_users

__all__ = ["DemoSummary", "build_demo", "has_users"]
