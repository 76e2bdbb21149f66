"""Gunicorn's settings for production, read from the environment.

Run as ``gunicorn -c python:ojodeagua.gunicorn_conf ojodeagua.wsgi`` (the Dockerfile and the
README's systemd unit do). Every log line goes to standard output as JSON, like Django's
(``lib/jsonlog.py``). The site's access log is the app's own request log
(``lib/requestlog.py``: method, path without the query string, status, duration), so Gunicorn's
access log, which writes the query string and the client's address, is off unless
``GUNICORN_ACCESS_LOG=1``; then it writes only method, path, status and duration too.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
# WEB_CONCURRENCY is the name Gunicorn and most hosts use. One per core plus one, each with two
# threads (Gunicorn's gthread worker): a request mostly waits on the database, and a threaded
# worker keeps a connection open between requests, which the synchronous worker cannot. A phone
# sending its queue of submissions, or a browser its next page, does not connect again each
# time: on 2 cores the OpenRosa benchmark accepted 330 submissions a second with 5 synchronous
# workers and 460-510 with 3 workers of 2 threads (docs/scaling.md).
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 2)
# Imports stop themselves after IMPORT_MAX_SECONDS (30); a request still running after this is
# stuck, and its worker is replaced.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (spread so they do not all restart at once),
# so a slow leak never grows without bound. Not much sooner: a new worker spends its first
# requests warming up, and at the hundreds of phone submissions a second the OpenRosa
# benchmark sends, replacing one every 1,000 requests cost a fifth of the throughput.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)
# Workers' temporary files in memory: a container's disk may be slow or read-only.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Gunicorn 25.1+ opens a control socket under $HOME by default; nothing here uses it, and two
# instances on one machine (or a user without a writable home) would trip over it. Older
# versions ignore the name.
control_socket_disable = True

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
_access = os.environ.get("GUNICORN_ACCESS_LOG", "").strip().lower() in {"1", "true", "yes", "on"}
accesslog = "-" if _access else None
access_log_format = "%(m)s %(U)s %(s)s %(M)sms"

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ojodeagua.lib.jsonlog.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {
            "level": "INFO" if _access else "CRITICAL",
            "handlers": ["stdout"],
            "propagate": False,
        },
    },
}
