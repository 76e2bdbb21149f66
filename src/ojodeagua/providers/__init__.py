"""Providers: the committees, offices and groups that run water systems, and their members."""
