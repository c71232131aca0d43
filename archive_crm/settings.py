"""Archive CRM settings, read from the environment.

Variables: DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS (and the optional ones documented
in the README). With DEBUG off the settings are production-grade and
`manage.py check --deploy` is clean.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key, new on every start: sessions do not survive a restart, which is
    # acceptable in development and keeps any real key out of the repository.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Trigram search and its indexes on PostgreSQL (nothing is used from it on SQLite).
    "django.contrib.postgres",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Before import_export: its `import` and `export` commands are replaced by ours, which
    # detect the file's encoding and import all or nothing.
    "dataexchange",
    "jobs",
    "import_export",
    "simple_history",
    "django_htmx",
    "django_tasks",
    # The tasks interface's database backend (its queue tables and the db_worker command).
    "django_tasks_db",
    "axes",
    "accounts",
    "classification",
    "customers",
    "sales",
    "review",
    "visits",
    "customerforms",
    "investigations",
    "reports",
    "audit",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "archive_crm.logging.RequestContextMiddleware",
    "accounts.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Every page needs a login unless its view is marked with login_not_required.
    "accounts.middleware.LoginRequiredMiddleware",
    # Last: it answers a locked-out sign-in (browser, admin or API token) with a 429.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles, fonts and images come from this
# site only, with no inline script, no inline style and no style attribute anywhere (charts
# take their stylesheet from css/charts.css); no frame, plugin or foreign form target.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the icons the API's documentation page draws from its stylesheet.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Repeated wrong passwords lock the username out from that address (django-axes): the login
# page, the admin and the API token endpoint alike; the lock lifts after the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "archive_crm.lockout.lockout_response"
AXES_VERBOSE = False
# The audit page lists every sign-in (with its sign-out time) from axes's access log, and every
# failed sign-in from its failure log, which is off unless asked for.
AXES_DISABLE_ACCESS_LOG = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Card history and sign-in records are kept this many days; `prune_audit` deletes older ones.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)

ROOT_URLCONF = "archive_crm.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "archive_crm.wsgi.application"
ASGI_APPLICATION = "archive_crm.asgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection (CONN_MAX_AGE > 0) is checked before a request reuses it: after a database
# restart the first request gets a new connection, not an error.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# An optional read replica: the analyses read from it, everything else uses the primary
# (archive_crm.routers). The tests use it as the primary itself, under its own name.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["archive_crm.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A form sent with a stale CSRF token gets the product's page in the user's language.
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English is the fallback, Simplified Chinese is chosen by the browser
# (Accept-Language zh-CN maps to zh-hans) or by the switcher (a cookie).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own touches to a language's number and date formats (archive_crm/formats/<lang>/).
FORMAT_MODULE_PATH = ["archive_crm.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development WhiteNoise serves straight from the app folders (no collectstatic needed).
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"

# E-mail (customer form links, password resets): printed on the console unless a backend is
# configured, e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.com:587.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="archive-crm@localhost")

# Customer data form links: default and longest life in days, public requests allowed per
# client address and per link (django-ratelimit's notation), and the company name the form
# and its e-mail show (empty: the product's name).
CUSTOMER_FORM_EXPIRY_DAYS = env.int("CUSTOMER_FORM_EXPIRY_DAYS", default=14)
CUSTOMER_FORM_MAX_EXPIRY_DAYS = env.int("CUSTOMER_FORM_MAX_EXPIRY_DAYS", default=90)
CUSTOMER_FORM_RATE_PER_ADDRESS = env.str("CUSTOMER_FORM_RATE_PER_ADDRESS", default="20/10m")
CUSTOMER_FORM_RATE_PER_LINK = env.str("CUSTOMER_FORM_RATE_PER_LINK", default="10/10m")
CUSTOMER_FORM_COMPANY_NAME = env.str("CUSTOMER_FORM_COMPANY_NAME", default="")
# The cache holds the public form's rate-limit counts: one shared cache (CACHE_URL) when several
# app processes serve, each process's memory otherwise. `make serve` uses a table of the database
# (dbcache://archive_crm_cache, made by createcachetable); redis://127.0.0.1:6379/1 uses Redis,
# whose counts also hold exactly under concurrent requests.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# The largest agency report an investigation takes, in MB (PDF, JPEG or PNG, told by content).
INVESTIGATION_REPORT_MAX_MB = env.int("INVESTIGATION_REPORT_MAX_MB", default=10)
# The risk view lists top-grade customers with no investigation requested for this many months.
INVESTIGATION_STALE_MONTHS = env.int("INVESTIGATION_STALE_MONTHS", default=12)

# A sign-in lasts this many hours, however busy (a salesperson signs in each working day);
# logging out ends it at once. Sessions are kept in the database (Django's default engine), so
# any app process serves any signed-in request.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=12) * 60 * 60

# An API token works this many days after it was issued (0: until it is rotated).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "archive_crm.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # API_THROTTLE_RATE (e.g. "600/hour") limits each user's requests; none when empty.
    "DEFAULT_THROTTLE_CLASSES": (
        ["rest_framework.throttling.UserRateThrottle"] if env.str("API_THROTTLE_RATE", "") else []
    ),
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_THROTTLE_RATE", default="") or None},
    "DEFAULT_PARSER_CLASSES": [
        "archive_crm.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "archive_crm.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "archive_crm.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Archive CRM API",
    "DESCRIPTION": "Customer archive management: customers, their cards and reference data.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc are served by the project itself, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a "status" or "kind": each enum keeps a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "customers.models.Customer.Status",
        "ProposalStatusEnum": "review.models.Proposal.Status",
        "VisitKindEnum": "visits.models.Visit.Kind",
        "FormLinkStateEnum": "customerforms.models.FormLink.State",
        "CustomerFormFieldEnum": "customerforms.models.FORM_FIELDS",
    },
    # Request bodies are documented as JSON, the API's format (a file upload says multipart
    # itself): the form encodings the parsers also read cannot carry nulls or nested lists.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # A request body's schema leaves out what is read-only and says which text may not be
    # blank (minLength 1); archive_crm.api.schema keeps the serializers' names where it can.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Every operation documents the errors it may answer; an update requires `version`.
        "archive_crm.api.schema.document_errors",
        "archive_crm.api.schema.name_request_components",
        "archive_crm.api.schema.require_version_on_update",
    ],
}

# Background work (regrades, imports, large exports) goes through Django's tasks interface,
# each as a job with its own page. TASKS_BACKEND=immediate (the default: tests, `make run`,
# `make dev`) runs a task at once, inside the request; TASKS_BACKEND=database queues it in
# the database, where a worker (`make worker`, i.e. `manage.py db_worker`) runs it.
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}
# A customer export of more rows than this is written by a job (with a progress page and a
# download link) instead of inside the request.
EXPORT_INLINE_MAX = env.int("EXPORT_INLINE_MAX", default=5000)

# New cards typed without a code are numbered PREFIX + a zero-padded number (KH00001, ...).
CUSTOMER_CODE_PREFIX = env.str("CUSTOMER_CODE_PREFIX", default="KH")
CUSTOMER_CODE_WIDTH = env.int("CUSTOMER_CODE_WIDTH", default=5)

# A day's visit report is due this many days later at this time (company time zone); one
# submitted after it is late.
VISIT_REPORT_DEADLINE_DAYS = env.int("VISIT_REPORT_DEADLINE_DAYS", default=1)
VISIT_REPORT_DEADLINE_TIME = env.str("VISIT_REPORT_DEADLINE_TIME", default="10:00")
# The weekdays a report is due (Monday 0 … Sunday 6): a working day without one is missing.
VISIT_REPORT_WORKDAYS = env.str("VISIT_REPORT_WORKDAYS", default="0,1,2,3,4")
# The largest photo or scan a visit takes, in bytes.
VISIT_PHOTO_MAX_BYTES = env.int("VISIT_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "archive_crm.logging.RequestContextFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(username)s] %(message)s"
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request"], "formatter": "line"}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers print through the root's handler only: its default console
    # handler (with DEBUG on) would print each of their lines a second time.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

if not DEBUG:
    # Production: HTTPS only. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER.
    # `make run` serves the demo with DEBUG off over plain http on this machine: it turns
    # the redirect and the secure cookies off (SECURE_SSL_REDIRECT=0, SECURE_COOKIES=0),
    # which `check --deploy` reports; production leaves both on.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    if env.bool("USE_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
