"""Settings shared by every environment, read from the environment with django-environ.

Development defaults live here so that `make demo` works on a fresh machine; production.py
removes every default that would be unsafe in production.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env (never committed; see .env.example) overrides nothing already in the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# Everything procure writes at run time (materialised suites, demo models, request caches,
# reports, logs) lives under one directory that is never committed.
DATA_DIR = Path(env.str("PROCURE_DATA_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_celery_beat",
    "axes",
    "csp",
    "procure.core",
    "procure.accounts",
    "procure.catalog",
    "procure.suites",
    "procure.profiles",
    "procure.runs",
    "procure.reports",
    "procure.schedules",
    "procure.web",
    "procure.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "procure.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "procure.urls"
WSGI_APPLICATION = "procure.wsgi.application"

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

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://procure:procure@127.0.0.1:5432/procure")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes counts failed logins (web form and admin) in the database, so every web process
# sees the same counts: a username, or an address, with LOGIN_FAILURE_LIMIT failures is refused
# for LOGIN_LOCKOUT_MINUTES, even with the right password, and told so. A success resets the
# count. API tokens are throttled separately (procure/api/authentication.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_RESET_ON_SUCCESS = True
# The window runs from the last counted failure: retrying while locked does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "procure.core.client.client_address"
AXES_VERBOSE = False
# Behind TLS proxies REMOTE_ADDR is the nearest proxy's: with TRUSTED_PROXY_COUNT=N the client's
# address is the Nth address from the right of X-Forwarded-For (the ones our proxies appended),
# never a left-hand entry the client could write itself. Lockouts, token throttling and the
# audit log all read the address through procure.core.client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

# Secrets that procure stores for candidates (API keys) are encrypted with these Fernet keys.
# The first key encrypts; all decrypt, so a key can be rotated by prepending a new one.
# In development the key is derived from SECRET_KEY; production.py demands an explicit one.
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# Where people reach this site: links in e-mails (alerts) are built on it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# A price older than this many days is flagged, with its date, wherever it is shown.
CATALOG_PRICE_STALE_DAYS = env.int("CATALOG_PRICE_STALE_DAYS", default=90)
if CATALOG_PRICE_STALE_DAYS < 1:
    raise ImproperlyConfigured("CATALOG_PRICE_STALE_DAYS must be a whole number of days above 0")
# bench/bench_load.py sets this to serve /bench/bare: the same middleware, no database work, the
# baseline every page's latency is compared with. Off everywhere else.
BENCH_BARE_VIEW = env.bool("PROCURE_BENCH_BARE_VIEW", default=False)

# --- Security headers -------------------------------------------------------------------------
# Every response carries a Content-Security-Policy (django-csp). Scripts run only from our own
# static files or inline blocks that carry the response's nonce; event handler attributes are
# refused, so templates use data attributes read by web/procure.js. Styles allow inline
# attributes: the pages and the matplotlib SVG charts set `style=` throughout, and a style
# cannot run code. The API documentation pages loosen this for their CDN (procure/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Django's defaults, stated: tests check them on every page, in every environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Local memory in development and tests; production.py shares one Redis cache between processes
# (API token throttling counts there).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
# Evaluations run for minutes: a worker takes one message at a time and acknowledges it only
# when the run is stored, so a crash re-delivers it instead of losing it.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3 * 3600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3 * 3600 + 300)
# Must exceed the longest run, or Redis re-delivers a message that is still being worked on.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Evaluation runs --------------------------------------------------------------------------
# A running run stamps its row every RUN_HEARTBEAT_SECONDS; one silent for
# RUN_STALE_AFTER_SECONDS has lost its worker and is taken over. A queued run whose message was
# sent RUN_REQUEUE_AFTER_SECONDS ago without being claimed is sent again (lost messages).
RUN_HEARTBEAT_SECONDS = env.int("RUN_HEARTBEAT_SECONDS", default=10)
RUN_STALE_AFTER_SECONDS = env.int("RUN_STALE_AFTER_SECONDS", default=90)
RUN_REQUEUE_AFTER_SECONDS = env.int("RUN_REQUEUE_AFTER_SECONDS", default=900)
RUN_MAX_ATTEMPTS = env.int("RUN_MAX_ATTEMPTS", default=5)
RUN_RETRY_BACKOFF_SECONDS = env.int("RUN_RETRY_BACKOFF_SECONDS", default=20)
RUN_BATCH_SIZE = env.int("RUN_BATCH_SIZE", default=32)
# Housekeeping also finishes what a lost message or a dead worker left half-done (a campaign
# without its report, a firing not compared, an alert not e-mailed), once the normal path has
# had RECONCILE_AFTER_SECONDS to do it, for work of the last RECONCILE_WITHIN_DAYS days.
RECONCILE_AFTER_SECONDS = env.int("RECONCILE_AFTER_SECONDS", default=120)
RECONCILE_WITHIN_DAYS = env.int("RECONCILE_WITHIN_DAYS", default=7)
# Torch threads per worker process (set when the pool process starts). Threads × worker
# concurrency should not exceed the host's cores: see docs/performance.md. 0 keeps torch's
# default (one thread per core).
EVAL_TORCH_THREADS = env.int("EVAL_TORCH_THREADS", default=1)
if EVAL_TORCH_THREADS < 0:
    raise ImproperlyConfigured("EVAL_TORCH_THREADS must be 0 (torch's default) or more")
# Endpoint capability probes (evals.probe): how long one probe request may take, and how long
# a stored answer is trusted before a campaign is queued.
ENDPOINT_PROBE_TIMEOUT_SECONDS = env.float("ENDPOINT_PROBE_TIMEOUT_SECONDS", default=20.0)
ENDPOINT_PROBE_MAX_AGE_SECONDS = env.int("ENDPOINT_PROBE_MAX_AGE_SECONDS", default=300)
if RUN_STALE_AFTER_SECONDS <= 2 * RUN_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "RUN_STALE_AFTER_SECONDS must exceed two heartbeats, or live runs would be taken over."
    )

# lm-eval and Hugging Face libraries must never reach for the hub: everything is local.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HOME", str(DATA_DIR / "hf"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Reproducible PDFs: fontTools stamps embedded font subsets with "now" unless this is set, and a
# report must render to the same bytes every time.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1735689600")

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "procure.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Failed token authentications per client address (procure/api/authentication.py).
    "DEFAULT_THROTTLE_RATES": {"token_failures": env.str("TOKEN_FAILURE_RATE", default="10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "procure API",
    "DESCRIPTION": (
        "Evidence-based decision support for buying AI models. Authenticate with "
        "`Authorization: Token <key>` (make keys at /account/tokens/) or a browser session. "
        'A 400 answers `{"errors": {"<field or body path>": ["message"]}}`; other errors '
        '`{"detail": "message"}`. Objects of organisations you do not belong to are 404.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API's conventions (procure/api/schema.py): separate request and response components,
    # ids in paths as bounded integers, every operation's error responses documented.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}},
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "procure.runs.models.RunStatus",
        "CampaignStatusEnum": "procure.runs.models.CampaignStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "procure.api.schema.document_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # PDF rendering logs every font subsetting step at INFO.
    "loggers": {name: {"level": "WARNING"} for name in ("fontTools", "matplotlib")}
    | {
        # WeasyPrint warns about every SVG presentation attribute of inline charts (it draws
        # them correctly all the same).
        "weasyprint": {"level": "ERROR"}
    },
}
