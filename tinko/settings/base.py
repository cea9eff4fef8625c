"""Tinko settings, read from the environment (twelve-factor).

Every variable has a safe development default so that `make run` works on a
laptop with no services: SQLite, a file-system Celery broker and a file cache.
`tinko.settings.production` tightens what must not be left to defaults.
"""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-tinko-development-only-key-change-me")
# Earlier SECRET_KEYs, comma-separated: sessions, password-reset links and other signatures made
# under them stay valid while they are listed. Rotate by moving the old key here.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en-us"
# What payers read (emails, /pay/ pages) comes in these languages; the console is in English.
# accounts.enums.PayerLanguage lists the same codes. Catalogues: locale/<code>/LC_MESSAGES/django.po,
# compiled with `manage.py compile_catalogues` (no GNU gettext needed).
LANGUAGES = [("en", "English"), ("hi", "Hindi")]
LOCALE_PATHS = [BASE_DIR / "locale"]

INSTALLED_APPS = [
    # Django admin, signed in through allauth with two-factor (accounts.admin_site).
    "accounts.admin_site.TinkoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_celery_beat",
    "tinko",
    "accounts",
    "payments",
    "recovery",
    "retries",
    "messaging",
    "portal",
    "analytics",
    "imports",
]

MIDDLEWARE = [
    "tinko.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AdminNetworkMiddleware",
]

ROOT_URLCONF = "tinko.urls"
WSGI_APPLICATION = "tinko.wsgi.application"
ASGI_APPLICATION = "tinko.asgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "accounts.context_processors.console",
            ],
        },
    }
]

# --- data ------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tinko.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in the embedded default: WAL lets
    # readers proceed while one writer works, and the busy timeout makes writers
    # queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Parameters travel bound (binary) rather than quoted into the SQL text in Python, and a
    # statement run five times on a connection is prepared once: less work per query on both
    # sides, which is most of a small write's cost.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        # Off behind a connection pooler that cannot keep prepared statements (PgBouncer before
        # 1.21 in transaction mode). Statements over many rows are never prepared (tinko.sql),
        # and reads of many keys probe an index once per key, so that no cached plan depends on
        # the values or the table sizes it first saw.
        prepare_threshold=5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # Through a Redis outage the cache answers from each process's memory (tinko/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "tinko.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- celery ----------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # A broker that needs no server: messages are files under var/broker, so the
    # embedded default runs a real worker and a real beat, not eager mode.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (VAR_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- auth ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "console:home"

# --- sign-up and sign-in (django-allauth) ------------------------------------
# Customised only through accounts.adapters (which calls accounts.services) and the
# templates under templates/allauth/{layouts,elements}.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Production settings make verification mandatory; `make run` lets you in straight away.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tinko] "
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"
# ACCOUNT_RATE_LIMITS is left unset on purpose: allauth's defaults (failed sign-ins per IP
# and per address, sign-ups, password resets, confirmation emails) count in the cache.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# Fernet keys (comma-separated, newest first) that encrypt TOTP secrets and recovery-code seeds at
# rest; separate from SECRET_KEY and from the gateway keys. The default is for development only.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=["dGlua28tZGV2ZWxvcG1lbnQtb25seS1tZmEta2V5LWs="])
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tinko"
# Django admin: where it lives (a path of its own makes it harder to find), which networks may
# reach it (CIDRs, comma-separated; empty: any), and whether staff need an authenticator app
# (always in production and tests; `make run` lets a local superuser in on a password).
ADMIN_URL_PATH = env.str("ADMIN_URL_PATH", default="admin/").strip("/") + "/"
ADMIN_ALLOWED_NETWORKS = env.list("ADMIN_ALLOWED_NETWORKS", default=[])
for _network in ADMIN_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"ADMIN_ALLOWED_NETWORKS: {_network!r} is not a network (e.g. 10.0.0.0/8)."
        ) from _error
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=not DEBUG)
# How many proxies in front of Tinko append to X-Forwarded-For: client IPs for rate
# limits and the audit log are read that many hops from the right.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- email -----------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Nothing configured (`make run`): each message is written to var/mail/ as an .eml file that
    # any mail program opens, and a log line names it.
    EMAIL_BACKEND = "tinko.mail.EmlFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tinko <no-reply@tinko.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- static and media ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    # The manifest exists only after collectstatic; the development server serves
    # files straight from static/.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- API -------------------------------------------------------------------
# Requests with a bad or malformed API key, per client address, before they are answered 429.
API_AUTH_FAILURE_RATE = env.str("API_AUTH_FAILURE_RATE", default="60/min")
# Events per key sent in batches (each event counts, beside the request itself).
API_EVENT_RATE_LIMIT = env.str("API_EVENT_RATE_LIMIT", default="20000/s")
# Active (unrevoked) API keys one organization may hold.
API_KEYS_MAX_ACTIVE = env.int("API_KEYS_MAX_ACTIVE", default=50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.authentication.HasApiKeyRole"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.authentication.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_RATE_LIMIT", default="100/s")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tinko.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Idempotency keys are kept at least 24 hours (the promise made to API clients), then purged.
IDEMPOTENCY_RETENTION_HOURS = env.int("IDEMPOTENCY_RETENTION_HOURS", default=24)
# Gateway webhook bodies (inbox and sandbox) are replaced by {} this long after they were handled.
WEBHOOK_PAYLOAD_RETENTION_DAYS = env.int("WEBHOOK_PAYLOAD_RETENTION_DAYS", default=30)
if IDEMPOTENCY_RETENTION_HOURS < 24:
    raise ImproperlyConfigured("IDEMPOTENCY_RETENTION_HOURS must be at least 24.")

# How often (seconds) each process checks whether classifier rules were edited.
CLASSIFIER_RULES_CHECK_SECONDS = 1.0
# How often each process checks for retry-policy changes (retries.scheduling).
RETRY_POLICIES_CHECK_SECONDS = 1.0

SPECTACULAR_SETTINGS = {
    "TITLE": "Tinko API",
    "DESCRIPTION": (
        "Failed-payment recovery. Authenticate with `Authorization: Bearer <api key>`; "
        'errors come as `{"error": {"type", "code", "message", "param"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tinko.openapi.add_common_error_responses",
    ],
    # Fields of one name with different choices: each set named for what it is (the first two as ever).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "recovery.enums.TransactionStatus.values",
        "ActionEnum": "recovery.enums.Action.values",
        "AttemptStatusEnum": "retries.enums.AttemptStatus.values",
        "NextStepActionEnum": "recovery.api.schemas.NEXT_STEP_ACTIONS",
        "ControlActionEnum": "retries.api.CONTROL_ACTIONS",
        "PaymentEffectEnum": "recovery.api.schemas.PAYMENT_SUCCEEDED_EFFECTS",
    },
}

# --- retries ----------------------------------------------------------------
# Re-charges of one card (or saved method) in any 30 days: Visa's excessive-reattempts cap, 15 in
# the older rules and 20 in newer sources (declines-and-networks.md §2.1); 15 is the safe value.
RETRY_MAX_REATTEMPTS_30_DAYS = env.int("RETRY_MAX_REATTEMPTS_30_DAYS", default=15)
if not 1 <= RETRY_MAX_REATTEMPTS_30_DAYS <= 20:
    raise ImproperlyConfigured("RETRY_MAX_REATTEMPTS_30_DAYS must be between 1 and 20 (Visa's cap).")
# Called as handler(organization=…, actor=…) in the transaction that creates an organization.
ORGANIZATION_CREATED_HANDLERS = ["retries.services.retry_policy_create_default"]
# Executing attempts (retries.dispatch, retries.execution, retries.sweeping). The dispatcher claims
# due attempts this many per statement, while fewer than the maximum are in progress, and sends
# them to workers this many per task.
RETRY_DISPATCH_BATCH = env.int("RETRY_DISPATCH_BATCH", default=500)
RETRY_DISPATCH_MAX_IN_FLIGHT = env.int("RETRY_DISPATCH_MAX_IN_FLIGHT", default=20_000)
# A task's work is a few statements whatever its size (retries.execution), so bigger tasks cost less
# per attempt; a dispatcher batch still spreads over RETRY_DISPATCH_BATCH / RETRY_EXECUTE_CHUNK workers.
RETRY_EXECUTE_CHUNK = env.int("RETRY_EXECUTE_CHUNK", default=200)
# An attempt in progress and untouched this long was left by a worker that died (or a lost task):
# the sweeper asks the gateway (or the message log) what happened. Above the execute task's time
# limit (9 minutes), so that a worker still at work is never second-guessed.
RETRY_STUCK_AFTER_SECONDS = env.int("RETRY_STUCK_AFTER_SECONDS", default=900)
# A re-charge the gateway took but has not settled (processing, pending) is looked at again by the
# sweeper for at most this long after it began, then failed and the next step planned. SEPA and
# ACH debits settle within days, an Indian e-mandate debit within 36 hours: 14 days covers them all.
RETRY_UNSETTLED_MAX_SECONDS = env.int("RETRY_UNSETTLED_MAX_SECONDS", default=14 * 24 * 3600)
# A passing error (gateway outage, mail server) sends an attempt back to scheduled, first after
# this delay and doubling, until it has been tried this many times; then it is skipped.
RETRY_TRANSIENT_MAX_TRIES = env.int("RETRY_TRANSIENT_MAX_TRIES", default=5)
RETRY_TRANSIENT_DELAY_SECONDS = env.int("RETRY_TRANSIENT_DELAY_SECONDS", default=60)
for _name in (
    "RETRY_DISPATCH_BATCH",
    "RETRY_DISPATCH_MAX_IN_FLIGHT",
    "RETRY_EXECUTE_CHUNK",
    "RETRY_TRANSIENT_MAX_TRIES",
    "RETRY_UNSETTLED_MAX_SECONDS",
):
    if vars()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# --- payments (gateways, webhooks) -------------------------------------------
# Gateway adapters by provider slug, loaded by dotted path (payments.registry).
PAYMENTS_GATEWAYS = {
    "stripe": "payments.gateways.stripe.adapter.StripeAdapter",
    "razorpay": "payments.gateways.razorpay.adapter.RazorpayAdapter",
    "sandbox": "payments.gateways.sandbox.adapter.SandboxAdapter",
}
# Called as handler(outcome=PaymentOutcome, account=GatewayAccount) for every verified gateway event.
PAYMENTS_OUTCOME_HANDLER = "recovery.gateway_events.payment_outcome_handle"
# Tasks sent (by name, with the organization's id) a few minutes after an organization's data was
# deleted, to sweep what requests that authenticated just before still wrote.
ORGANIZATION_PURGED_TASKS = ["recovery.ingest_orphans_delete"]
# Fernet keys (comma-separated, newest first) that encrypt gateway secrets at rest; separate from
# SECRET_KEY so rotating one never touches the other. The default is for development only.
GATEWAY_ENCRYPTION_KEYS = env.list("GATEWAY_ENCRYPTION_KEYS", default=["dGlua28tZGV2ZWxvcG1lbnQtb25seS1nYXRld2F5LWs="])
# The gateways' API bases: point them at stripe-mock or another local stand-in for a trial.
PAYMENTS_STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
PAYMENTS_RAZORPAY_API_BASE = env.str("RAZORPAY_API_BASE", default="https://api.razorpay.com").rstrip("/")
# Re-charges a worker process has in flight at once at gateways that take one per API call (Stripe,
# Razorpay), each a thread of payments.gateways.charging's pool; and re-charges begun per second per
# gateway account, all processes together. Stripe's default limit is 25 requests a second per
# endpoint; past a gateway's limit its 429 sends the attempt back for later.
PAYMENTS_CHARGES_IN_FLIGHT = env.int("PAYMENTS_CHARGES_IN_FLIGHT", default=4)
if not 1 <= PAYMENTS_CHARGES_IN_FLIGHT <= 32:
    raise ImproperlyConfigured("PAYMENTS_CHARGES_IN_FLIGHT must be between 1 and 32.")
PAYMENTS_CHARGES_PER_SECOND = env.int("PAYMENTS_CHARGES_PER_SECOND", default=20)
if PAYMENTS_CHARGES_PER_SECOND < 1:
    raise ImproperlyConfigured("PAYMENTS_CHARGES_PER_SECOND must be at least 1.")

# --- CSV imports of failed payments (imports/) ----------------------------------
# The largest file the console and `import_failures` take, and the pieces it is kept in (database rows).
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=512 * 1024 * 1024)
IMPORT_CHUNK_BYTES = env.int("IMPORT_CHUNK_BYTES", default=1024 * 1024)
# Rows recorded per database transaction (one call of the batch ingest service).
IMPORT_BATCH_ROWS = env.int("IMPORT_BATCH_ROWS", default=1000)
# A worker task imports for this long, then hands the rest to a new task (keep it well under the
# task's 9-minute limit); a worker that died holds its import IMPORT_CLAIM_SECONDS at most.
IMPORT_SLICE_SECONDS = env.int("IMPORT_SLICE_SECONDS", default=120)
IMPORT_CLAIM_SECONDS = env.int("IMPORT_CLAIM_SECONDS", default=600)
for _name in ("IMPORT_MAX_FILE_BYTES", "IMPORT_CHUNK_BYTES", "IMPORT_BATCH_ROWS", "IMPORT_SLICE_SECONDS"):
    if vars()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
if IMPORT_CLAIM_SECONDS <= IMPORT_SLICE_SECONDS + 60:
    raise ImproperlyConfigured("IMPORT_CLAIM_SECONDS must exceed IMPORT_SLICE_SECONDS by more than a minute.")

# --- payer messaging -----------------------------------------------------------
# Channel adapters by slug, loaded by dotted path (messaging.registry); SMS and WhatsApp come later.
MESSAGING_CHANNELS = {
    "email": "messaging.channels.email.EmailChannel",
}

# --- payer portal --------------------------------------------------------------
# Tasks sent (by name, with the ids of the transactions recovered together) when transactions are
# recovered, so that what else could still take the payers' money (open hosted checkouts) is closed.
TRANSACTION_SETTLED_TASKS = ["portal.checkouts_settle"]
# How long a hosted checkout opened from the pay page lives (Stripe: 30 minutes to 24 hours).
PORTAL_CHECKOUT_MINUTES = env.int("PORTAL_CHECKOUT_MINUTES", default=60)
# The return page polls every PORTAL_POLL_SECONDS; after PORTAL_CONFIRM_SECONDS without the webhook it
# asks the gateway directly once, then says what happens next.
PORTAL_POLL_SECONDS = env.int("PORTAL_POLL_SECONDS", default=2)
PORTAL_CONFIRM_SECONDS = env.int("PORTAL_CONFIRM_SECONDS", default=30)
# Rate limits: per client address over every payer page, and per link by kind of request.
PORTAL_RATE_PER_IP = env.str("PORTAL_RATE_PER_IP", default="300/min")
PORTAL_RATE_PAGE = env.str("PORTAL_RATE_PAGE", default="60/min")
PORTAL_RATE_CHECKOUT = env.str("PORTAL_RATE_CHECKOUT", default="10/min")
PORTAL_RATE_POLL = env.str("PORTAL_RATE_POLL", default="120/min")
PORTAL_RATE_NEW_LINK = env.str("PORTAL_RATE_NEW_LINK", default="3/hour")

# --- logging ---------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "tinko.logging.formatter_factory",
            "log_format": LOG_FORMAT,
        },
    },
    "filters": {
        "link_tokens": {"()": "accounts.log_filters.LinkTokenFilter"},
        "client_errors_without_traceback": {"()": "tinko.logging.ClientErrorsWithoutTraceback"},
        "without_response_lines": {"()": "tinko.logging.WithoutResponseLines"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["link_tokens"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Configured here so Django's own console handler (plain text, under DEBUG) is dropped:
        # its lines reach the root handler alone, once, in LOG_FORMAT.
        "django": {"level": LOG_LEVEL},
        "django.request": {"filters": ["client_errors_without_traceback"]},
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING", "propagate": True, "filters": ["without_response_lines"]},
        "celery": {"level": LOG_LEVEL},
        # gunicorn's access log (the path of every request) goes through the same handler, so
        # link tokens are redacted there too.
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
