"""erp-console: a terminal console for ERP administrators after go-live."""

__version__ = "0.1.0"
