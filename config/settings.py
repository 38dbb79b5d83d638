"""All settings, read from the environment, with embedded defaults for local use.

With no environment variables set the site runs on SQLite, an in-memory channel layer, eager
Celery and console e-mail, with DEBUG on and a generated development secret. Setting
DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG switches to the
production parts. See the README's configuration table.
"""

import os
import secrets
import tempfile
import warnings
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


# --- Core ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
DEBUG = env_bool("DEBUG", default=True)


def read_secret_key() -> str:
    """Return SECRET_KEY; in DEBUG generate (and keep) a local one, in production insist."""
    key = os.environ.get("SECRET_KEY", "")
    if key and not DEBUG and len(key) < 40:
        raise ImproperlyConfigured("SECRET_KEY is too short: use at least 40 random characters.")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (production mode). Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and export it."
        )
    key_file = BASE_DIR / ".dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = read_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin, answering 404 to signed-in users who are not staff.
    "config.admin.StaffOnlyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "channels",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "community.accounts",
    "community.submissions",
    "community.groups",
    "community.privacy",
    "community.consent",
    "community.notifications",
    "community.moderation",
    "community.safety",
    "community.clinicians",
    "community.forum",
    "community.chat",
    "community.qa",
]

MIDDLEWARE = [
    # /healthz and /readyz, before sessions, host checks and the HTTPS redirect.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.accounts.middleware.KnownDeviceMiddleware",
    "community.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "community.accounts.middleware.PrivilegedAreaMFAMiddleware",
    "community.consent.middleware.ConsentRequiredMiddleware",
    "community.privacy.middleware.PrivatePagesNotStoredMiddleware",
]

# `make bench` (bench/) alone sets this, to add a bare reference view beside the site's URLs.
ROOT_URLCONF = os.environ.get("BENCH_ROOT_URLCONF", "config.urls")
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "community.accounts.context_processors.language_choices",
                "community.accounts.context_processors.clock",
                "community.notifications.context_processors.bell",
                "community.consent.context_processors.legal_documents",
                "community.safety.context_processors.crisis_support",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
# Under ASGI every request runs in a thread of its own: persistent connections
# (CONN_MAX_AGE > 0) would leave one open per thread. Each process keeps a bounded pool
# instead, and a request hands its connection back when it ends. Sizing rule
# (docs/operations.md): (web processes + Celery worker processes + beat) x
# DATABASE_POOL_MAX_SIZE, plus a few for management commands, must stay below
# PostgreSQL's max_connections.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASE_POOL = env_bool("DATABASE_POOL", default=True)
DATABASE_POOL_MIN_SIZE = int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1"))
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10"))
# Seconds a request may wait for a free connection before it fails (a clear 503).
DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
# A write waiting this long for a row lock gives up (a 503, "try again"): a queue behind one
# lock must not hold every pooled connection. 0 waits for ever.
DATABASE_LOCK_TIMEOUT = float(os.environ.get("DATABASE_LOCK_TIMEOUT", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a restarted server's dead links go
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        "options": f"-c lock_timeout={int(DATABASE_LOCK_TIMEOUT * 1000)}",
    }
    if DATABASE_POOL:
        # Django's backend with a pool that checks only connections idle for a while
        # (config/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "config.postgresql"
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": DATABASE_POOL_MIN_SIZE,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
            # Idle connections beyond min_size are closed after a while.
            "max_idle": 300,
        }
    else:
        # An outside pooler (PgBouncer in transaction mode) holds the connections: no
        # server-side cursors, which would not survive a change of server connection.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: Channels' live test server refuses an in-memory database. One per
    # process, so two test runs (or xdist workers) on one machine never share a file.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"community-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, cache ----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Every Redis client gives up after this many seconds (connect and read), so a frozen Redis
# costs a request about a second, never a hang. A broken connection (Redis restarted) is
# retried once on a fresh one; a timeout is not retried.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "1"))
# After a failure, this process leaves Redis alone for so many seconds (config/outages.py).
REDIS_OUTAGE_BACKOFF = float(os.environ.get("REDIS_OUTAGE_BACKOFF", "5"))


def redis_client_options(asynchronous: bool = False) -> dict:
    """Keyword arguments for every redis-py client and pool of the project."""
    if asynchronous:
        from redis.asyncio.retry import Retry
    else:
        from redis.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    # No periodic health-check PING: against a frozen Redis it would cost a second timeout
    # (and its retry a third) before each command; a dead connection left by a restart is
    # found by the command itself, and retried once on a fresh one.
    return {
        "socket_connect_timeout": REDIS_TIMEOUT,
        "socket_timeout": REDIS_TIMEOUT,
        # A timeout (frozen Redis) is not retried: redis-py's default would retry it too.
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        "retry_on_error": [RedisConnectionError],
    }


REDIS_CLIENT_OPTIONS = redis_client_options()

if REDIS_URL:
    # Pub/sub layer: the faster group fan-out measured in TOOLING.md; the database, not
    # the layer, guarantees delivery (chat clients replay what a broadcast missed).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.outages.OutageAwarePubSubChannelLayer",
            # Separate prefixes keep several deployments (or test runs) on one Redis apart.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **redis_client_options(asynchronous=True)}],
                "prefix": os.environ.get("CHANNEL_PREFIX", "asgi"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "config.outages.OutageAwareRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "community"),
            "OPTIONS": REDIS_CLIENT_OPTIONS,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has finished, so one whose worker died runs again: after
# a worker restart, or when the broker's visibility timeout has passed. Every task is
# idempotent (claims in the database), so running twice does nothing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for Redis to come back
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300")),
}
# Publishing a task from a request tries once: rows are written first and the sweeps below
# deliver whatever a down broker kept back (config/celery.py explains).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "UTC"


def seconds(name: str, default: float) -> float:
    """A duration in seconds from the environment."""
    return float(os.environ.get(name, default))


# How often the sweeps run, and when they take over work (docs/operations.md).
SWEEP_INVITATIONS_EVERY = seconds("SWEEP_INVITATIONS_EVERY", 300)
SWEEP_NOTIFICATIONS_EVERY = seconds("SWEEP_NOTIFICATIONS_EVERY", 300)
SWEEP_REMINDERS_EVERY = seconds("SWEEP_REMINDERS_EVERY", 300)
SWEEP_EXPORTS_EVERY = seconds("SWEEP_EXPORTS_EVERY", 60)
# A row still unsent this long after it was written was missed by the broker.
SWEEP_UNSENT_AFTER = seconds("SWEEP_UNSENT_AFTER", 120)
# An e-mail claimed this long ago by a worker that never marked it sent is free again.
EMAIL_CLAIM_LEASE = seconds("EMAIL_CLAIM_LEASE", 600)
# After SMTP has taken an e-mail, marking it sent is retried this long (database restarting).
DELIVERY_MARK_PATIENCE = seconds("DELIVERY_MARK_PATIENCE", 120)
# A data export whose build has not reported progress for this long died with its worker.
EXPORT_STALLED_AFTER = seconds("EXPORT_STALLED_AFTER", 120)
CELERY_BEAT_SCHEDULE = {
    # Deliver what a broker outage kept back: rows are written first, e-mail follows.
    "send-unsent-invitations": {
        "task": "community.groups.tasks.send_unsent_invitations",
        "schedule": SWEEP_INVITATIONS_EVERY,
    },
    "deliver-pending-notifications": {
        "task": "community.notifications.tasks.deliver_pending_notifications",
        "schedule": SWEEP_NOTIFICATIONS_EVERY,
    },
    # Hourly: each member gets the summary when it is the digest hour in their time zone.
    "send-daily-digests": {
        "task": "community.notifications.tasks.send_daily_digests",
        "schedule": crontab(minute=5),
    },
    # Q&A reminders a day and an hour before (each sent once, however often this runs).
    "send-session-reminders": {
        "task": "community.qa.tasks.send_session_reminders",
        "schedule": SWEEP_REMINDERS_EVERY,
    },
    # Nightly: erase what is past its retention period (docs/retention.md).
    "apply-retention": {
        "task": "community.privacy.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=15),
    },
    # Keys of sent forms are needed for minutes (double clicks, retries), not for days.
    "forget-old-submissions": {
        "task": "community.submissions.tasks.forget_old_submissions",
        "schedule": crontab(hour=3, minute=45),
    },
    # Exports left waiting by a broker outage or a dead worker are built; expired ones go.
    "sweep-data-exports": {
        "task": "community.privacy.tasks.sweep_data_exports",
        "schedule": SWEEP_EXPORTS_EVERY,
    },
}

# --- Safety ---------------------------------------------------------------------------
# Whose crisis lines to show (ISO country: SE, NO, NL); empty: by the member's language.
SAFETY_COUNTRY = os.environ.get("SAFETY_COUNTRY", "")
# A JSON file of the organisation's own crisis lines, shaped like
# community/safety/data/crisis_resources.json; empty: the shipped lines.
SAFETY_CRISIS_RESOURCES = os.environ.get("SAFETY_CRISIS_RESOURCES", "")

# --- Chat --------------------------------------------------------------------------------
CHAT_MESSAGE_MAX_LENGTH = int(os.environ.get("CHAT_MESSAGE_MAX_LENGTH", "2000"))
# Per member: at most CHAT_RATE_LIMIT messages in CHAT_RATE_WINDOW seconds.
CHAT_RATE_LIMIT = int(os.environ.get("CHAT_RATE_LIMIT", "8"))
CHAT_RATE_WINDOW = int(os.environ.get("CHAT_RATE_WINDOW", "10"))
CHAT_MESSAGES_PER_PAGE = int(os.environ.get("CHAT_MESSAGES_PER_PAGE", "50"))

# Shown under every clinician's answer in Q&A sessions (translated when left as default).
QA_ANSWER_NOTICE = os.environ.get("QA_ANSWER_NOTICE", "")

# --- Data rights and retention (docs/retention.md) -------------------------------------
DATA_EXPORT_VALID_DAYS = int(os.environ.get("DATA_EXPORT_VALID_DAYS", "7"))
# Moderation records about a closed account's content are kept this long, then purged.
MODERATION_RECORD_RETENTION_DAYS = int(os.environ.get("MODERATION_RECORD_RETENTION_DAYS", "365"))
# "Needs a recent login" for downloading an export and closing an account (seconds).
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("REAUTHENTICATION_TIMEOUT", "900"))

# --- E-mail ----------------------------------------------------------------------------
# https://github.com/migonzalez/dj-email-url ; default: printed on the console.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    vars().update(dj_email_url.parse(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# An SMTP server that stops answering must not hold a worker (and its claim) for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Peer support <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts and authentication ------------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "community.groups.adapter.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "community.accounts.forms.SignupProfileForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# A closed community has no reason to e-mail strangers who type their address into a form.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# allauth's rate limits are on by default (login, sign-up, password reset, per IP and key).
# Wrong passwords are counted by community/accounts/login_limits.py instead of allauth's
# "login_failed" (per login address: anyone could lock a member out); allauth keeps that one
# for wrong two-factor codes. Format: amount/period/per; "key" is named in each comment.
ACCOUNT_RATE_LIMITS = {
    # From a device not known for the account: per client address,
    "login_failed_address": "10/m/ip,60/h/ip",
    # per client address and account (the login address),
    "login_failed_address_account": "5/5m/key",
    # and per account, whatever the address (guessing spread over many addresses).
    "login_failed_account": "20/h/key",
    # From a device known for the account (it logged in to it, or reset its password by
    # e-mail): per device and account only, a count no stranger can add to.
    "login_failed_device": "5/5m/key",
    # allauth's: wrong two-factor codes, per client address and per account.
    "login_failed": "10/m/ip,5/5m/key",
}
# How long a device stays known after its last login (or password reset) to an account.
KNOWN_DEVICE_DAYS = int(os.environ.get("KNOWN_DEVICE_DAYS", "180"))
# The client's address (rate limits) is the TCP peer's unless a proxy is trusted to name it:
# - FORWARDED_ALLOW_IPS (read by scripts/web.sh): uvicorn takes X-Forwarded-For only from
#   these peers, so this is the safer choice;
# - TRUSTED_PROXY_COUNT: allauth takes the address that many places from the right of
#   X-Forwarded-For, whoever sent the request: only for a server reached through proxies alone.
# Both at once would let a client that reaches the server directly name its address again.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if ALLAUTH_TRUSTED_PROXY_COUNT and os.environ.get("FORWARDED_ALLOW_IPS", "").strip():
    raise ImproperlyConfigured(
        "Set FORWARDED_ALLOW_IPS (uvicorn checks that the proxy sent the header) or "
        "TRUSTED_PROXY_COUNT, not both."
    )
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Peer support")
MFA_ADAPTER = "community.accounts.mfa.CommunityMFAAdapter"

SESSION_COOKIE_HTTPONLY = True
# Only set SECURE_COOKIES=false for a plain-http test server.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Sessions live in the database and are read from the cache (no query per request); a cache
# outage falls back to the database (community/accounts/sessions.py).
SESSION_ENGINE = "community.accounts.sessions"

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sv", _("Swedish")),
    ("nb", _("Norwegian Bokmål")),
    ("nl", _("Dutch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
# One date style and one time style per language (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files ----------------------------------------------------------------------
# https://whitenoise.readthedocs.io/
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production serves collected, hashed files; development (and the browser tests' server,
# with STATIC_FROM_SOURCE=true) serves them straight from static/.
STATIC_FROM_SOURCE = env_bool("STATIC_FROM_SOURCE", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
if STATIC_FROM_SOURCE:
    # In DEBUG, files come from the finders; there is no collected STATIC_ROOT to warn about.
    warnings.filterwarnings("ignore", message="No directory at")

# --- Uploaded files -------------------------------------------------------------------
# Never served by URL: photos go out through a view that checks group membership.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Security headers ------------------------------------------------------------------
# https://django-csp.readthedocs.io/ — nothing is loaded from another host, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # The TOTP QR code is an inline SVG data URI.
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)

# --- Product settings ------------------------------------------------------------------
# A form sent twice is stored once (community/submissions). A request without the form's key
# (an old page, a script) counts as a repeat when it is the same as one sent this many
# seconds before; keys are forgotten after SUBMISSION_KEYS_KEPT_DAYS.
SUBMISSION_REPEAT_WINDOW = int(os.environ.get("SUBMISSION_REPEAT_WINDOW", "30"))
SUBMISSION_KEYS_KEPT_DAYS = int(os.environ.get("SUBMISSION_KEYS_KEPT_DAYS", "7"))
FORUM_POSTS_PER_PAGE = int(os.environ.get("FORUM_POSTS_PER_PAGE", "20"))
FORUM_THREADS_PER_PAGE = int(os.environ.get("FORUM_THREADS_PER_PAGE", "25"))
# Local hour (in each member's time zone) at which the daily summary e-mail goes out.
NOTIFICATION_DIGEST_HOUR = int(os.environ.get("NOTIFICATION_DIGEST_HOUR", "8"))
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))
SITE_NAME = os.environ.get("SITE_NAME", "Peer support")
# The health-care organisation that runs the community, named in invitations (and the
# header) so that an invitation is recognisably theirs and does not look like phishing.
ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Example care organisation")
# Where links in e-mails point; production must say, or invitations would point at localhost.
SITE_URL = os.environ.get("SITE_URL", "")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_URL must be set when DEBUG is off, e.g. https://community.example.org"
        )
    SITE_URL = "http://127.0.0.1:" + os.environ.get("PORT", "8000")

# --- Logging: never post bodies or health details; only what happened, by id. -----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_paths": {"()": "community.privacy.logging.RedactSensitivePaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_paths"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replace Django's own handlers, which would print paths without the redaction.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
