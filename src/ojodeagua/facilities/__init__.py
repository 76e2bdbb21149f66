"""Schools and health centres: who is there and which water system they draw from."""
