"""Long work on the task queue: a full recompute, the ledger check, a big import, with progress."""
