"""The queue's task for field collection: make the observations of what phones sent."""

from django.db import OperationalError

from ojodeagua.celery import app
from ojodeagua.lib import refresh

from . import services


@app.task(
    name="ojodeagua.fieldcollection.tasks.map_received",
    # A locked or lost database is worth trying again; mapping is all-or-nothing per batch.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def map_received() -> int:
    """Map every submission waiting. The flag that scheduled this task is cleared first, so
    a submission stored while it runs schedules another run instead of being left behind."""
    services.cache.delete(services.MAPPING_SCHEDULED)
    # Already on the queue: the indicators' refresh runs here, not as another job.
    with refresh.in_background():
        return services.map_received()
