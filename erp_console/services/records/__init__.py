"""records services."""
