"""Management commands of the books app."""
