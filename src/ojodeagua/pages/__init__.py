"""Scoped pages: the list, search, export, detail and edit pages a model declares, and their
forms and filters, all limited to what the user may see."""
