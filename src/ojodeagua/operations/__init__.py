"""Running the service: backups that restore (issue 16)."""
