"""Water systems: their sources, components, design figures and the localities they serve."""
