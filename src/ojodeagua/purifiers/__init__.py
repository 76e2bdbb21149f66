"""Household and school UV purification units ("Mesitas Azules"): register, visits, tests, lamps."""
