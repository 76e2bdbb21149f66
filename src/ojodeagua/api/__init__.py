"""The /api/v1/ endpoints for the registry, with the same scope rules as the pages."""
