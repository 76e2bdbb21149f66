"""Printable PDFs of a cycle: risk cards, planning board, road map, one-page summary."""

urlpatterns: list = []
