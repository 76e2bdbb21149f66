"""Ojo de Agua: real service data, integrity and clear books for community water committees."""
