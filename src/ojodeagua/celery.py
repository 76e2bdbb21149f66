"""The Celery application: the task queue that runs long work off the web request.

Configured from Django's settings (``CELERY_*``). Without a broker the tasks run at once in the
process that starts them (``CELERY_TASK_ALWAYS_EAGER``). A worker, with the nightly schedule:
``celery -A ojodeagua worker --beat --loglevel=INFO``. The tasks are in ``jobs/tasks.py`` and
``fieldcollection/tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ojodeagua.settings")

app = Celery("ojodeagua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ojodeagua.jobs", "ojodeagua.fieldcollection"])
