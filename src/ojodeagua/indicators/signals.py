"""Recompute indicators when the observations they depend on change."""
