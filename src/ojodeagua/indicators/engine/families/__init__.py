"""The indicator families: pure functions from loaded inputs to values, one module each."""
