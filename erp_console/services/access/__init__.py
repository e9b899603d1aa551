"""access services."""
