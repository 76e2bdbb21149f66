"""`ojodeagua` commands for the committee's books."""
