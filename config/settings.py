"""Concord settings, read from the environment.

Two ways to run, one code path:
- embedded default: no variables set. SQLite under var/, Celery over a folder on disk
  (kombu's filesystem transport), so nothing has to be installed besides Python packages;
- production: DATABASE_URL (PostgreSQL through psycopg 3) and CELERY_BROKER_URL (Redis).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONCORD_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "concord-embedded-default-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static files (no CDN)
    "simple_history",
    "guardian",
    "django_celery_beat",
    "mdm",
    "matching",
    "stewardship",
    "connectors",
    "orchestration",
    "quality",
    "operations",
    "staffing",
]

MIDDLEWARE = [
    "mdm.api.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "mdm.correlation.CorrelationIdMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'concord.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; the timeout waits out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; "
                         "PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("CONCORD_TEST_DB_NAME") and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Lets several test runs share one PostgreSQL server without dropping each other's database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["CONCORD_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "mdm.auth.CachedPermissionsBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = []
CONCORD_PERMISSION_CACHE_SECONDS = env_int("CONCORD_PERMISSION_CACHE_SECONDS", 30)
CONCORD_TOKEN_CACHE_SECONDS = env_int("CONCORD_TOKEN_CACHE_SECONDS", 30)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []

# History keeps the whole reason a steward or service gives, not its first 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Bodies larger than this are refused with 400 before parsing (API payload limit).
CONCORD_API_MAX_BODY_BYTES = env_int("CONCORD_API_MAX_BODY_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(CONCORD_API_MAX_BODY_BYTES * 2, 2_621_440)
# JSON bodies (API pushes, change events) nesting deeper than this are refused with 400.
CONCORD_API_MAX_JSON_DEPTH = env_int("CONCORD_API_MAX_JSON_DEPTH", 64)
# A CSV field over this many bytes gets its row quarantined (the rest of the file lands).
CONCORD_CSV_MAX_FIELD_BYTES = env_int("CONCORD_CSV_MAX_FIELD_BYTES", 128 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mdm.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "mdm.api.conventions.ListPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "mdm.api.conventions.ListOrdering"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": ["mdm.api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "mdm.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Concord MDM API",
    "DESCRIPTION": "Golden records of customers, contracts and projects, with cross-references and lineage.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ works offline: Swagger UI from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery. Without CELERY_BROKER_URL the broker is a folder on disk: same tasks, no broker to install.
# ("localhost" only names the machine: kombu warns on every connection when the URL has no host.)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_queue_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
# Redis: a task taken by a worker that is then killed outright stays unacknowledged and goes back
# to the queue once it has been so for this many seconds (kombu's default: an hour). Every
# acknowledged-late task must finish within it, or it is handed out a second time while it runs
# (docs/reliability.md); the sweep that puts such tasks back runs every few seconds.
CONCORD_BROKER_VISIBILITY_TIMEOUT = env_int("CONCORD_BROKER_VISIBILITY_TIMEOUT", 300)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CONCORD_BROKER_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, min(10, CONCORD_BROKER_VISIBILITY_TIMEOUT // 3)),
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only after it ran: a worker killed mid-task gets it re-delivered (on
# Redis after CONCORD_BROKER_VISIBILITY_TIMEOUT; a pool process lost under a running worker at
# once), so a task must be harmless to run twice (connectors' tasks are, and say so on themselves).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Schedules kept here, in code: the database scheduler writes each into its periodic tasks when beat
# starts (so an edit in the admin lasts until the next start). The older defaults are created by
# data migrations (connectors/0002, operations, quality, orchestration) and stay editable rows.
CELERY_BEAT_SCHEDULE = {
    # After the nightly full sync (02:30) and before the quality check (04:30): docs/reliability.md.
    "connectors: nightly reconciliation": {"task": "connectors.reconcile_all",
                                           "schedule": crontab(minute=30, hour=3),
                                           "options": {"expire_seconds": 6 * 3600}},
    # Staffing is near-real-time: the PSA's allocations are pulled every few seconds (docs/staffing.md).
    "staffing: pull allocations": {"task": "staffing.allocations_pull",
                                   "schedule": float(os.environ.get("CONCORD_STAFFING_PULL_SECONDS", "5")),
                                   "options": {"expire_seconds": 30}},
    # People from HR and the PSA: a leaver's future allocations must surface the same minute.
    "staffing: sync resources": {"task": "connectors.sync_all", "schedule": 60.0, "kwargs": {"domain": "resource"},
                                 "options": {"expire_seconds": 60}},
    # Timesheets in batches: once a day, the approved weeks to the ERP for billing (docs/staffing.md).
    "staffing: bill timesheets": {"task": "staffing.timesheets_bill", "schedule": crontab(minute=0, hour=5),
                                  "options": {"expire_seconds": 6 * 3600}},
    # Margin snapshots on a schedule: after the billing batch, so what was just sent counts.
    "staffing: margin snapshots": {"task": "staffing.margin_snapshots", "schedule": crontab(minute=30, hour=5),
                                   "options": {"expire_seconds": 6 * 3600}},
}
CONCORD_STAFFING_POLICY_FILE = Path(os.environ.get("CONCORD_STAFFING_POLICY_FILE",
                                                   BASE_DIR / "config" / "staffing.toml"))
# Whether the nightly reconciliation sends again what a system is missing or holds differently.
CONCORD_RECONCILE_REPAIR = env_bool("CONCORD_RECONCILE_REPAIR", default=True)

# Matching seam: the pipeline asks this class which golden record a source record belongs to.
CONCORD_MATCHER = os.environ.get("CONCORD_MATCHER", "matching.matcher.HubMatcher")
# A domain's match model is fitted on its own source records once it holds this many, and fitted
# again whenever it grew by this share since (docs/matching.md, "Resolution").
CONCORD_MATCH_FIT_MIN_RECORDS = env_int("CONCORD_MATCH_FIT_MIN_RECORDS", 100)
CONCORD_MATCH_REFIT_GROWTH = float(os.environ.get("CONCORD_MATCH_REFIT_GROWTH", "0.25"))
# A threshold preview, a re-match after a threshold change and a draw of pairs to teach the model
# run in the request up to this many source records in the domain, in a Celery task above it.
CONCORD_MATCH_INLINE_RECORDS = env_int("CONCORD_MATCH_INLINE_RECORDS", 5000)
CONCORD_POLICY_FILE = Path(os.environ.get("CONCORD_POLICY_FILE", BASE_DIR / "config" / "policy.toml"))
CONCORD_INGEST_BATCH_SIZE = env_int("CONCORD_INGEST_BATCH_SIZE", 2000)
# Pages of one sync written at once, where pages cannot depend on each other (contracts, projects;
# PostgreSQL only): while one page waits for the server, another's Python runs (docs/connectors.md).
CONCORD_SYNC_WRITERS = env_int("CONCORD_SYNC_WRITERS", 2)
# Without PostgreSQL's advisory locks (SQLite), a sync run silent this long is taken for dead and
# marked failed by the next run of its system and domain (connectors/runs.py).
CONCORD_SYNC_STALE_SECONDS = env_int("CONCORD_SYNC_STALE_SECONDS", 900)
# Data quality (docs/quality.md): the rules file seeded into the database, and whether every
# golden-record change is evaluated at once (off: only `quality_check` evaluates, e.g. for a first load).
CONCORD_QUALITY_RULES_FILE = Path(os.environ.get("CONCORD_QUALITY_RULES_FILE",
                                                 BASE_DIR / "config" / "quality_rules.toml"))
CONCORD_QUALITY_ON_INGEST = env_bool("CONCORD_QUALITY_ON_INGEST", default=True)

# Change events (docs/connectors.md): how old a signed request's timestamp may be (either way),
# and whether the untimed `sha256=<HMAC of the body>` signature is still taken, for a sender not
# yet signing `t=...,v1=...` (it can be replayed for as long as its event keys are remembered).
CONCORD_EVENTS_SIGNATURE_TOLERANCE_SECONDS = env_int("CONCORD_EVENTS_SIGNATURE_TOLERANCE_SECONDS", 300)
CONCORD_EVENTS_ACCEPT_UNTIMED_SIGNATURES = env_bool("CONCORD_EVENTS_ACCEPT_UNTIMED_SIGNATURES", default=False)

# Operations (docs/operations.md): the bearer token Prometheus sends to /metrics (unset: only staff
# sessions and direct localhost requests may read it), and the KPI time series' slot and retention.
CONCORD_METRICS_TOKEN = os.environ.get("CONCORD_METRICS_TOKEN", "")
CONCORD_KPI_SNAPSHOT_MINUTES = env_int("CONCORD_KPI_SNAPSHOT_MINUTES", 15)
CONCORD_KPI_RETENTION_DAYS = env_int("CONCORD_KPI_RETENTION_DAYS", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "mdm.correlation.CorrelationIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["correlation"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
