"""LEAD Portal settings, read from the environment through django-environ's typed helpers.

With no environment at all the portal runs embedded: SQLite, Celery tasks executed eagerly in
the web process, a local-memory cache and e-mail printed to the console. Set ``DATABASE_URL``
(PostgreSQL) and ``REDIS_URL`` (Celery broker, result backend and cache) for a real deployment.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab  # noqa: F401  (kept importable for beat schedules)
from django.utils.csp import CSP
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
ENV_FILE = BASE_DIR / ".env"
if ENV_FILE.exists():
    environ.Env.read_env(str(ENV_FILE))

DEBUG: bool = env.bool("DEBUG", default=False)
# A development key is only allowed while DEBUG is on; production must set DJANGO_SECRET_KEY.
SECRET_KEY: str = env.str("DJANGO_SECRET_KEY", default="") or (
    "insecure-development-key-only-used-with-debug" if DEBUG else ""
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DEBUG is off. For development, `make run` writes a local .env "
        "(DEBUG=true and a generated key) once; otherwise set DJANGO_SECRET_KEY, or DEBUG=true, in the "
        "environment (README, Configuration)."
    )

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "apps.accounts",
    "apps.reviews",
    "apps.acos",
    "apps.claims",
    "apps.risk",
    "apps.alignment",
    "apps.quality",
    "apps.rural",
    "apps.medicaid",
    "apps.cara",
    "apps.balance",
    "apps.planning",
    "apps.benefits",
    "apps.performance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP below), with a per-request nonce.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lead_portal.urls"
WSGI_APPLICATION = "lead_portal.wsgi.application"
ASGI_APPLICATION = "lead_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",  # csp_nonce for the few inline scripts/styles
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.acos.context_processors.portal",
                "apps.acos.context_processors.demo_clock",
                "apps.claims.context_processors.claims_vintage",
            ],
            # Times, money, shares, counts, rates, points and codes as people read them, in every
            # template without a {% load %}: |when, |usd, |pct, |count, |num, |rate, |points, |sex.
            "builtins": ["lead_portal.format_filters"],
        },
    },
]

# An empty DATABASE_URL means "not set": the embedded SQLite database.
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DEBUG and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database behind `make run`'s threaded server: a transaction takes SQLite's write lock
    # when it begins, so two requests that both read and then write (a submit racing a form's autosave)
    # wait for each other instead of one failing at once with "database is locked". Only with DEBUG on:
    # BEGIN IMMEDIATE writes the header of an empty database file, and the guards that refuse to run
    # under production settings must leave the database untouched.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 30})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username/IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 15 idle minutes: every request pushes the expiry forward.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failed logins (per username and address).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "LEAD Portal"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (Django's own middleware): the pages load everything from the portal itself
# (Plotly, htmx and the CMS design system are served from /static/), run no inline script without
# the request's nonce, and eval nothing. Inline <style> elements need the nonce too, except an empty
# one: Plotly adds its rules to an empty <style> through the CSSOM (insertRule), which CSP allows,
# so the hash of the empty string lets that element in and nothing else; and the bundle adds MapLibre's
# map styles as one <style> when it loads, allowed by its hash (plotly.js-finance-dist-min 4.1.0: a new
# Plotly changes it, and tests/e2e/test_csp.py reports the refusal). Images may be data: or blob: URLs
# (Plotly's "download as PNG", Swagger UI's icons). No plugins, no framing, no <base> elsewhere, forms
# post only here.
CSP_EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # sha256 of ""
CSP_PLOTLY_MAPLIBRE_STYLE_HASH = "'sha256-qx5w1Z7EBGW65+cDDaLzzPKBM/1QLmK9WY7vut/XpzI='"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE, CSP_EMPTY_STYLE_HASH, CSP_PLOTLY_MAPLIBRE_STYLE_HASH],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "en-us"
# A time Django renders itself (the admin, a bare {{ value }}) names its zone too: lead_portal/formats.
FORMAT_MODULE_PATH = ["lead_portal.formats"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm and are served by the portal itself: no CDN at run time.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/cmsds", NODE_MODULES / "@cmsgov" / "design-system" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Plotly's partial "finance" bundle (1.3 MB, not the full 4.8 MB): it holds the bar, scatter and
    # waterfall traces, all the portal draws (includes/chart_scripts.html; tests/test_plotly_bundle.py).
    ("vendor/plotly", NODE_MODULES / "plotly.js-finance-dist-min"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise as they are.
WHITENOISE_ROOT = BASE_DIR / "public"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REDIS_URL: str = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache is an optimisation: with Redis away, reads miss and writes are dropped (lead_portal/cache.py),
    # and short socket time-outs keep an unreachable Redis from holding a page up.
    CACHES = {
        "default": {
            "BACKEND": "lead_portal.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER: bool = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("compute"))
# Heavy data work goes to the compute queue; everything else (notifications, reports) to default.
CELERY_TASK_ROUTES = {
    "apps.claims.tasks.*": {"queue": "compute"},
    "apps.alignment.tasks.*": {"queue": "compute"},
    "apps.quality.tasks.*": {"queue": "compute"},
    "apps.performance.tasks.pipeline_step_task": {"queue": "compute"},
    "apps.performance.tasks.aco_summary_task": {"queue": "compute"},
}
# A successful claims load starts the performance pipeline for the years it touched.
PIPELINE_AFTER_INGEST: bool = env.bool("PIPELINE_AFTER_INGEST", default=True)
# Parts by beneficiary (apps.claims.shards) an alignment run is computed in, each a task of its own on the
# compute queue, so several workers share one run. 1: the whole run in one task.
ALIGNMENT_SHARDS: int = env.int("ALIGNMENT_SHARDS", default=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every job is a row with its own status: nobody reads task results. Storing none also keeps a request
# that queues a job from subscribing to the result store, which with Redis away retries for 20 s and then
# breaks the web process's Celery until it is restarted.
CELERY_TASK_IGNORE_RESULT = True
# A message a worker took but never acknowledged (the worker was killed) goes back to the queue after the
# visibility timeout. It must exceed the longest task's hard time limit (the CCLF load, 4 h), or a task
# still running would be handed to a second worker. A killed worker's step is taken over long before
# that by the job sweep below; the late redelivery then finds the work done, or taken, and does nothing.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 3600 + 15 * 60),
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
# Liveness of long jobs (pipeline steps, CCLF loads, alignment runs; lead_portal/jobs.py): the process
# running one stamps the row's heartbeat_at every JOB_HEARTBEAT_SECONDS; every worker sweeps on start-up
# and every JOB_SWEEP_SECONDS for jobs whose heartbeat is older than JOB_STALE_SECONDS and takes them over.
JOB_HEARTBEAT_SECONDS: float = env.float("JOB_HEARTBEAT_SECONDS", default=30.0)
JOB_STALE_SECONDS: float = env.float("JOB_STALE_SECONDS", default=180.0)
JOB_SWEEP_SECONDS: float = env.float("JOB_SWEEP_SECONDS", default=60.0)
# A step whose worker died this many times is failed (with the reason) instead of taken over again:
# a step that kills its worker (out of memory) must not loop for ever.
JOB_MAX_ATTEMPTS: int = env.int("JOB_MAX_ATTEMPTS", default=3)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3300)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND: str = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LEAD Portal <no-reply@lead-portal.example>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # django-rest-knox tokens: `Authorization: Token <key>`, hashed, per client, expiring (REST_KNOX).
        "apps.accounts.authentication.APITokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # drf-spectacular's AutoSchema plus the 400/401/403/404 answers and download file types (lead_portal/schema.py).
    "DEFAULT_SCHEMA_CLASS": "lead_portal.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "apps.accounts.api.exception_handler",
}
# API tokens (django-rest-knox; POST /api/auth/token/). Each sign-in gets its own token (one per
# client), stored hashed, ending after API_TOKEN_TTL_HOURS or when revoked (/api/auth/logout/ and
# /api/auth/logout-all/). A person holds at most API_TOKENS_PER_USER live tokens.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.float("API_TOKEN_TTL_HOURS", default=10.0)),
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKENS_PER_USER", default=20),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LEAD Portal API",
    "DESCRIPTION": "The LEAD Model portal: ACOs, their lists, change requests and reviews. "
    "Every endpoint is scoped to the ACOs the caller may see.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" field with their own choices: name each set once.
    "ENUM_NAME_OVERRIDES": {
        "MedicaidStateStatusEnum": "apps.medicaid.models.StateStatus",
        "MilestoneStatusEnum": "apps.medicaid.models.Milestone.Status",
        "DualRunStatusEnum": "apps.medicaid.models.DualRun.Status",
        "AgreementStatusEnum": "apps.medicaid.models.AgreementStatus",
        "AlignmentRunStatusEnum": "apps.alignment.models.AlignmentRun.Status",
        "AttentionKindEnum": "apps.acos.attention.KIND_CHOICES",
        "AttentionSeverityEnum": "apps.acos.attention.SEVERITY_CHOICES",
        "CareGapStatusEnum": "apps.quality.models.GapStatus",
        "CareGapKindEnum": "apps.quality.models.GapKind",
        "CareGapEventKindEnum": "apps.quality.models.CareGapEvent.Kind",
        "CareGapCloseReasonEnum": "apps.quality.models.CloseReason",
        "CareGapManualCloseReasonEnum": "apps.quality.models.MANUAL_CLOSE_REASON_CHOICES",
        "EbraStatusEnum": "apps.cara.models.ArrangementStatus",
        "EbraQualityMeasureEnum": "apps.cara.models.QualityLink",
    },
}

# One console handler, on the root logger: Django's own "django" console handler is dropped (with it
# every django.request line printed twice under DEBUG), and a refused request (403, 400) logs one line
# without the exception's traceback (lead_portal/log_filters.py). The development server's request
# lines keep Django's own handler and format.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_traceback_below_500": {"()": "lead_portal.log_filters.NoTracebackBelow500"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_traceback_below_500"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Behind a reverse proxy that appends the client address to X-Forwarded-For, the access log
# records that address (the proxy's own last hop); never trust the header without such a proxy.
USE_X_FORWARDED_FOR: bool = env.bool("USE_X_FORWARDED_FOR", default=False)

# The date every date rule treats as "today" (list deadlines, actual or projected months, what may
# not be in the future) can be pinned for tests; it wins over the date `manage.py demo` sets.
PORTAL_TODAY: str = env.str("PORTAL_TODAY", default="")
