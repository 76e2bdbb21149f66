"""Django settings for Ojo de Agua, read from environment variables."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Mutable runtime files (the SQLite database, the demo's secret key) live here.
VAR_DIR = Path(os.environ.get("OJODEAGUA_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("DEBUG", False)
RUNNING_TESTS = "PYTEST_VERSION" in os.environ


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if RUNNING_TESTS:
        return "only-for-the-test-suite-" + "x" * 40
    # A checkout where `make demo` ran keeps its key beside the database, so the commands the
    # README gives (import-localities, ledger verify…) work there as written, without DEBUG.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if not DEBUG:
        raise ImproperlyConfigured(
            "Falta SECRET_KEY. En producción defina la variable de entorno SECRET_KEY "
            "con un valor largo y aleatorio (por ejemplo: python -c "
            "'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Development and demo: generate once and keep it beside the database.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file.write_text(secrets.token_urlsafe(50))
    key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or RUNNING_TESTS else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "ojodeagua.audit",
    "ojodeagua.imports",
    "ojodeagua.places",
    "ojodeagua.organisations",
    "ojodeagua.pages",
    "ojodeagua.providers",
    "ojodeagua.watersystems",
    "ojodeagua.facilities",
    "ojodeagua.monitoring",
    "ojodeagua.waterquality",
    "ojodeagua.purifiers",
    "ojodeagua.indicators",
    "ojodeagua.integrity",
    "ojodeagua.books",
    "ojodeagua.web",
    "ojodeagua.api",
    "ojodeagua.demo",
    "ojodeagua.operations",
    "ojodeagua.jobs",
    "ojodeagua.fieldcollection",
    "ojodeagua.desk",
    "ojodeagua.voice",
]

MIDDLEWARE = [
    # First: a load balancer's probe over plain HTTP, by the instance's address, gets the
    # instance's health, not the HTTPS redirect or a 400 for an unlisted host (lib/health.py).
    "ojodeagua.lib.health.HealthCheckMiddleware",
    # Next, so the access log has every other request, static files and redirects included.
    "ojodeagua.lib.requestlog.RequestLogMiddleware",
    # Before anything reads the body: a request larger than any page takes is refused unread.
    "ojodeagua.lib.bodysize.RequestBodySizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Phones' OpenRosa requests (/odk/…) need none of what follows: sessions, CSRF, CSP…
    "ojodeagua.fieldcollection.middleware.OpenRosaMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it turns a locked-out sign-in into the Spanish lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: the pages load scripts, styles and images only from this site, with
# no inline scripts or handlers; a <style> the server writes (a printable's page size) carries the
# request's nonce. The admin and the API's schema are Django's and DRF's own pages, left as they
# ship.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The desk's map draws its points on a plain background; with a tile server set here it draws
# the streets under them, and the CSP lets the pages load images from that server only.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
if MAP_TILE_URL:
    # "https://{s}.tile.example.org/…" serves from subdomains: "*.tile.example.org".
    _tiles = urlsplit(MAP_TILE_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}"
    )

ROOT_URLCONF = "ojodeagua.urls"
WSGI_APPLICATION = "ojodeagua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ojodeagua.web.context_processors.site",
                "ojodeagua.demo.context_processors.demo",
            ],
        },
    },
]

# SQLite by default: WAL lets readers work while one writer writes, the busy timeout waits
# for the lock instead of failing, and IMMEDIATE transactions take the write lock up front
# so two writers never deadlock on a lock upgrade.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ojodeagua.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
        ),
    }
    if not RUNNING_TESTS:
        VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Checked wherever a password is chosen through a form: the team page, the person's own password
# page, the admin and `changepassword`. Not by create_user or set_password, so the demo's
# password "demo" (demo/builder.py) stays what `make demo` prints. Django's common-password list
# is English-centric; no maintained Spanish list is packaged, so none is added.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout (django-axes): ten failed tries for one account, from anywhere, or from one
# address, for any accounts, lock that account or that address for 15 minutes after the last
# failure. By account stops slow guessing from many addresses; by address stops one machine
# trying a common password on every account. A right password during the lockout does not get in,
# and a success does not wipe the count (else one valid account would reset an address's).
# `ojodeagua axes_reset_username USUARIO` lifts a lockout early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "ojodeagua.web.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "ojodeagua.lib.clients.client_address"
# Failed tries are kept (they are the count); successful sign-ins are not logged with the
# person's address, which the site has no other use for.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Spanish as spoken in Mexico first; English second. Source strings are written in Spanish,
# so a missing translation still shows the users' own language.
LANGUAGE_CODE = "es-mx"
LANGUAGES = [("es-mx", "Español"), ("en", "English")]
FORMAT_MODULE_PATH = ["ojodeagua.formats"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Mexico_City"
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

STATIC_URL = "/static/"
# The Docker image collects them at build time outside the var directory, which is a volume.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
# Production serves the collected files through WhiteNoise: names carrying a hash of the
# content (cached for a year by browsers) and gzip copies made once by collectstatic. Debug and
# the tests read the apps' files as they are, so they need no collectstatic, and a template
# naming a missing file does not fail there (the manifest storage would refuse it).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or RUNNING_TESTS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or RUNNING_TESTS
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# What one imported file may hold (issue 14). A spreadsheet of a few kilobytes can claim a
# million rows, and one of 2 MB unpack to hundreds: past these limits a file is refused at once
# with what to fix, so an upload cannot hold a worker. 20,000 rows is a year of daily supply
# records for 50 systems, or the padrón of the largest committee many times over; megabytes
# bound a CSV's size and an XLSX's size once unpacked; seconds bound the reading. The commands
# (import-observations, import-padron, import-localities) run off the request path and read
# whole catalogues (INEGI's ITER for one state has 286 columns): they use the second set.
IMPORT_LIMITS = {
    "rows": env_int("IMPORT_MAX_ROWS", 20_000),
    "columns": env_int("IMPORT_MAX_COLUMNS", 200),
    "megabytes": env_int("IMPORT_MAX_MEGABYTES", 30),
    "seconds": env_int("IMPORT_MAX_SECONDS", 30),
}
# The largest body any page takes: an import file at its limit, with room for the form around it.
MAX_REQUEST_BYTES = (IMPORT_LIMITS["megabytes"] + 2) * 1024 * 1024
IMPORT_COMMAND_LIMITS = {"rows": 2_000_000, "columns": 1_000, "megabytes": 2_000, "seconds": 0}

# One cache for every worker and server when REDIS_URL (or CACHE_URL) names a Redis server; each
# process's own memory otherwise (the demo, one process). The tests always use their own memory.
# What is cached: whether the database is the demo's, and the public figures of long ledgers
# (books/public_views.py). Short socket timeouts make a dead Redis fail /health/ at once rather
# than hold a worker.
CACHE_URL = os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL") or ""
if CACHE_URL and not RUNNING_TESTS:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            "REDIS_URL (o CACHE_URL) debe ser la dirección de un servidor Redis, "
            "por ejemplo redis://127.0.0.1:6379/0."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "ojodeagua",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The task queue (Celery, ``ojodeagua/celery.py``, ``jobs/``). With a broker (CELERY_BROKER_URL, or
# REDIS_URL, the cache's Redis), long work (a full recompute, a big import, the nightly ledger
# check) goes to a worker: ``celery -A ojodeagua worker --beat``. Without one (the demo, the tests,
# a laptop) the same tasks run at once in the process that started them, so ``make demo`` stays
# one command with nothing to install. The tests always run them in-process.
CELERY_BROKER_URL = (
    ""
    if RUNNING_TESTS
    else os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# A failure in an in-process task is written on its job, not raised into the page that started it.
CELERY_TASK_EAGER_PROPAGATES = False
# Progress and results live on the ``Job`` rows; Celery's own result store is not needed.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is taken off the queue only once it has run, so a worker that dies mid-way (a restart,
# the machine) leaves it for the next worker; the tasks are safe to run again.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = "America/Mexico_City"
# The nightly work (``celery beat``, or ``worker --beat`` on one machine). A task that finds the
# database busy (OperationalError) is tried again, up to 3 times, later each time.
CELERY_BEAT_SCHEDULE = {
    "ledger-verify-nightly": {
        "task": "ojodeagua.jobs.tasks.run_scheduled",
        "schedule": crontab(hour=2, minute=0),
        "args": ("ledger_verify",),
    },
    # Phones' submissions are mapped as they arrive (``fieldcollection.services``); this
    # catches any left waiting (a worker restarted halfway).
    "odk-submissions-waiting": {
        "task": "ojodeagua.fieldcollection.tasks.map_received",
        "schedule": 60.0,
    },
    "books-indicators-nightly": {
        "task": "ojodeagua.jobs.tasks.run_scheduled",
        "schedule": crontab(hour=2, minute=30),
        "args": ("books_indicators",),
    },
    # A complaint nobody answered by its date goes up to the municipal agency (issue 19).
    "complaints-escalate-nightly": {
        "task": "ojodeagua.jobs.tasks.run_scheduled",
        "schedule": crontab(hour=3, minute=0),
        "args": ("escalate_complaints",),
    },
}
# An import from the upload page bigger than this goes to the queue and the page shows its
# progress; a smaller one is done while the page waits, as before.
IMPORT_QUEUE_ROWS = env_int("IMPORT_QUEUE_ROWS", 2_000)
IMPORT_QUEUE_MEGABYTES = env_int("IMPORT_QUEUE_MEGABYTES", 1)
# A download with more rows than this (a fifth as many for XLSX, slower to write) is prepared on
# the queue and fetched from its job's page; a smaller one is sent while the page waits: about
# two seconds (the demo's 23,446 indicator values took 4.7 s as CSV on a busy 2-core machine).
EXPORT_QUEUE_ROWS = env_int("EXPORT_QUEUE_ROWS", 10_000)
# Where the files the jobs prepare are kept until downloaded: outside MEDIA_ROOT and the static
# files, so no web server hands them out; only the job's page does, to the person who asked.
# With the worker on another machine, both must see this folder (a shared volume).
JOB_FILES_DIR = Path(os.environ.get("JOB_FILES_DIR") or VAR_DIR / "private" / "job-files")
JOB_FILES_KEPT_DAYS = env_int("JOB_FILES_KEPT_DAYS", 7)
# Indicators refreshed after a change that reaches more water systems than this (an import from
# the page) are refreshed by one job on the queue, not in the request that saved it.
REFRESH_QUEUE_SYSTEMS = env_int("REFRESH_QUEUE_SYSTEMS", 10)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ojodeagua.api.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the browsable renderer would list related-object choices outside the scope.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "ojodeagua.api.pagination.Pagination",
    # drf-spectacular's, plus the refusals every operation can answer (400, 401, 403, 404, 409).
    "DEFAULT_SCHEMA_CLASS": "ojodeagua.api.schema.ApiSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ojo de Agua API",
    "DESCRIPTION": (
        "Registro de localidades, sistemas de agua, prestadores, escuelas y centros de salud. "
        "Cada usuario ve y cambia solo lo que cubre su área."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # What is sent and what comes back are described apart: read-only fields are not asked
    # for, and a personal field an answer may leave out is not promised in it.
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several fields get one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "YesNoUnknownEnum": "ojodeagua.monitoring.models.YesNoUnknown",
        "StoppageCauseEnum": "ojodeagua.monitoring.models.StoppageCause",
        "SexEnum": "ojodeagua.providers.models.Sex",
        "KnownEnum": "ojodeagua.watersystems.models.Known",
    },
}

# Production hardening; every value can be overridden from the environment.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not RUNNING_TESTS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not RUNNING_TESTS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not RUNNING_TESTS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# Logs go to standard output: one JSON object per line in production (lib/jsonlog.py), plain
# text in debug and tests (LOG_FORMAT=json or text overrides). Each request is one INFO line of
# `ojodeagua.requests` (lib/requestlog.py), on in production; runserver prints its own.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG or RUNNING_TESTS else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ojodeagua.lib.jsonlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"device_keys": {"()": "ojodeagua.lib.requestlog.DeviceKeyFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["device_keys"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "ojodeagua.requests": {
            "level": "INFO"
            if env_bool("LOG_REQUESTS", not DEBUG and not RUNNING_TESTS)
            else "WARNING"
        },
        # django-axes names the account and the address of every failed sign-in. The attempts
        # are kept in the database, where the lockout counts them and superusers see them in the
        # admin; the log, copied to wherever logs go, does not repeat them.
        "axes": {"level": "ERROR"},
    },
}
