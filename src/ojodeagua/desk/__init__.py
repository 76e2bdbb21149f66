"""The agency's desk: the map, why systems fail, priorities, and the report for the council."""
