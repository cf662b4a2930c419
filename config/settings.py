"""Settings for the welfare operations system, read from the environment (README: Configuration).

`make run` needs no environment at all: DEBUG defaults on, with an SQLite file and Celery tasks
run in-process. Production sets DEBUG=false, and then SECRET_KEY, ALLOWED_HOSTS and the rest have
no defaults.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    # Development only: a throwaway key so `make run` works with no configuration.
    SECRET_KEY = env(
        "SECRET_KEY", default="django-insecure-development-only-key-not-for-production"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env("SECRET_KEY")  # no default: refuse to start without one
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.ManagerAdminConfig",  # the admin site for managers who passed two-factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_htmx",
    "simple_history",
    "pgtrigger",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "phonenumber_field",
    "localflavor",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "accounts",
    "imports",
    "tenants",
    "welfare",
    "here_to_help",
    "services",
    "arrears",
    "messaging",
    "subscriptions",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.error_pages.AppErrorPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoStoreMiddleware",
    "config.middleware.MethodNotAllowedPageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.kept_post.KeepPostAtSignInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "config.context_processors.site",
                "config.navigation.navigation",
                "accounts.kept_post.waiting",
            ],
            "libraries": {"govuk": "config.templatetags.govuk"},
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A prepared statement is planned once, without its parameters' values, not at each run
    # (PostgreSQL's own choice, by estimated costs, was to plan "Take next call" at every
    # press: welfare.actions `take_next_in_one`, the one statement the app prepares; Django
    # binds its parameters on the client and prepares nothing).
    # Added to any server options DATABASE_URL gives (`?options=...`).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        filter(None, [_options.get("options"), "-c plan_cache_mode=force_generic_plan"])
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; a busy timeout stops "database is locked" under runserver.
    # The timeout cannot help a transaction that read first and then writes while another
    # writes: SQLite refuses the upgrade at once ("database is locked", seen by two testers
    # taking calls together on the demo). IMMEDIATE takes the write lock when a transaction
    # begins, so the second waits its turn; WAL lets pages be read while a call is saved.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The demo's database has no NULLS NOT DISTINCT: the trend's one row per day and cohort
    # (dashboard.UpToDateDay) is PostgreSQL's rule; the demo's refresh writes each day once.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out username never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle sessions end: the cookie's age is renewed on every request, so it expires only after
# SESSION_IDLE_MINUTES without one.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
# The lock lasts 15 minutes from the fifth failure, as the message says; trying again while
# locked does not restart it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.backends.axes_username"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]
)

OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Welfare operations")
# Never show TOTP keys or backup codes in the admin (accounts/admin.py also replaces its pages).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
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

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="welfare"),
            # An unreachable Redis must fail fast: the public status pages then fall back to the
            # database (services/cache.py) instead of waiting on the operating system's timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no REDIS_URL (make run), tasks run in-process, eagerly.
# Browser imports: uploaded files wait here (in a folder per import) until they are imported,
# cancelled or a day old. Give each web and worker process the same folder.
IMPORT_DIR = env("IMPORT_DIR", default=str(Path(tempfile.gettempdir()) / "welfare-imports"))
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=200)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL or None
CELERY_REDBEAT_LOCK_TIMEOUT = 25 * 60
CELERY_REDBEAT_KEY_PREFIX = env("CELERY_REDBEAT_KEY_PREFIX", default="redbeat")

# A call task claimed and left alone this long goes back to the queue (worked out when read).
CALL_CLAIM_MINUTES = env.int("CALL_CLAIM_MINUTES", default=30)

# Mail: printed to the console in development; EMAIL_URL (smtp://...) in production.
if DEBUG:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
else:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="welfare@localhost")

# GOV.UK Notify (README: Messages). With no API key, messages go to the in-app outbox and
# nothing leaves the machine.
NOTIFY_API_KEY = env("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
# The bearer token set on Notify's delivery-receipt callback; empty: the callback refuses all.
NOTIFY_CALLBACK_TOKEN = env("NOTIFY_CALLBACK_TOKEN", default="")
# Notify allows 3,000 messages a minute by default; bulk messages are paced to this.
NOTIFY_RATE_LIMIT_PER_MINUTE = env.int("NOTIFY_RATE_LIMIT_PER_MINUTE", default=3000)
# First wait before retrying a 429 or 5xx; it doubles each time, up to NOTIFY_MAX_RETRIES.
NOTIFY_RETRY_BACKOFF_SECONDS = env.int("NOTIFY_RETRY_BACKOFF_SECONDS", default=30)
NOTIFY_MAX_RETRIES = env.int("NOTIFY_MAX_RETRIES", default=6)
# A bulk message to more recipients than this needs a second manager's approval.
MESSAGES_BULK_APPROVAL_THRESHOLD = env.int("MESSAGES_BULK_APPROVAL_THRESHOLD", default=500)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

PHONENUMBER_DEFAULT_REGION = "GB"
PHONENUMBER_DB_FORMAT = "E164"

# The association's name shown in the header and on public pages.
ORGANISATION_NAME = env("ORGANISATION_NAME", default="Northshore Housing")
SERVICE_NAME = env("SERVICE_NAME", default="Welfare operations")
# How tenants reach the association, shown (clickable) on the public status pages.
# The public address of this site, for links in messages sent by jobs (no request to read it
# from): the unsubscribe link in every status-page subscriber's message.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://localhost:8000")
CONTACT_PHONE = env("CONTACT_PHONE", default="0161 496 0000")
# The service in the register (its slug) that answers CONTACT_PHONE: while it is unavailable the
# public pages say so with its message, instead of telling tenants to call it.
CONTACT_CENTRE_SERVICE = env("CONTACT_CENTRE_SERVICE", default="customer-contact-centre")
# The number officers' calls come from, named in "We'll call you today from <number>"; managers
# can set another in the app (queue settings).
CALLS_FROM_NUMBER = env("CALLS_FROM_NUMBER", default=CONTACT_PHONE)
# The 06:00 build's "We'll call you today" texts wait until this time (Europe/London, HH:MM).
BEFORE_CALL_MESSAGES_FROM = env("BEFORE_CALL_MESSAGES_FROM", default="08:00")
CONTACT_EMAIL = env("CONTACT_EMAIL", default="contact@northshore-housing.example")
CONTACT_HOURS = env("CONTACT_HOURS", default="Monday to Friday, 8am to 6pm")
EMERGENCY_REPAIRS_PHONE = env("EMERGENCY_REPAIRS_PHONE", default="0161 496 0999")

# Security headers. HTTPS settings apply outside DEBUG; SECURE_SSL_REDIRECT can be switched off
# where a proxy already redirects.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
