"""processes services."""
