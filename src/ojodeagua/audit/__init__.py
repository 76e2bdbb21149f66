"""The append-only audit trail: who created or changed what, and when."""
