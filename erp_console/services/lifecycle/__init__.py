"""lifecycle services."""
