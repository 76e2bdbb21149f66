"""Organisations, their members' roles, and the scope that decides who may see and change what."""
