"""data services."""
