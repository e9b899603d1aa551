"""Domain services: plain Python over SQLAlchemy. They never import Textual and never print."""
