"""core services."""
