"""Settings, read from the environment through small strict parsers that fail fast.

Documented variables are listed in `.env.example`. Secrets may come from `NAME_FILE`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

django_stubs_ext.monkeypatch()  # lets admin and forms classes be subscripted for typing

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    """A value from `NAME`, or from the file named by `NAME_FILE` (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# "production" refuses insecure defaults; "development" and "test" allow them.
MODE = env_str("ARMSTRACE_MODE", "production")
if MODE not in {"production", "development", "test"}:
    raise ImproperlyConfigured("ARMSTRACE_MODE must be production, development or test")

DATA_DIR = Path(env_str("ARMSTRACE_DATA_DIR", "var")).resolve()
# This node's name in signed audit checkpoints (and, later, federation messages).
NODE_NAME = env_str("ARMSTRACE_NODE_NAME", "armstrace")
# The Ed25519 key that signs audit checkpoints, and where checkpoints are written.
AUDIT_KEY_FILE = env_str("ARMSTRACE_AUDIT_KEY_FILE", str(DATA_DIR / "audit-ed25519.pem"))
AUDIT_CHECKPOINT_DIR = env_str("ARMSTRACE_AUDIT_CHECKPOINT_DIR", str(DATA_DIR / "checkpoints"))
# `armstrace serve` signs a checkpoint this often when the key exists (0: never).
AUDIT_CHECKPOINT_MINUTES = float(env_str("ARMSTRACE_AUDIT_CHECKPOINT_MINUTES", "60"))

SECRET_KEY = env_str("ARMSTRACE_SECRET_KEY")
if not SECRET_KEY:
    if MODE == "production":
        raise ImproperlyConfigured(
            "ARMSTRACE_SECRET_KEY (or ARMSTRACE_SECRET_KEY_FILE) is required in production mode; "
            "`armstrace demo` generates one into the data directory."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

DEBUG = env_bool("ARMSTRACE_DEBUG", default=False)
ALLOWED_HOSTS = env_list("ARMSTRACE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("ARMSTRACE_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000")


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL")
    if not url:
        url = f"sqlite:///{DATA_DIR / 'armstrace.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so concurrent writers wait
        # instead of failing half-way; WAL lets readers run beside a writer.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["TEST"] = {"NAME": env_str("ARMSTRACE_TEST_SQLITE", "") or None}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # JIT compiles plans for big estimated costs; for short lookups it only adds latency.
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs page from local static files, not a CDN
    "axes",  # sign-in lockout
    "django_otp",  # two-factor authentication
    "django_otp.plugins.otp_totp",
    "armstrace.core",
    "armstrace.audit",
    "armstrace.accounts",
    "armstrace.reference",
    "armstrace.registry",
    "armstrace.quality",
    "armstrace.search",
    "armstrace.intake",
    "armstrace.marking",
    "armstrace.tracing",
    "armstrace.analytics",
    "armstrace.federation",
    "armstrace.reporting",
    "armstrace.web",
]

MIDDLEWARE = [
    "armstrace.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "armstrace.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "armstrace.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "armstrace.accounts.middleware.IdleTimeoutMiddleware",
    "armstrace.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "armstrace.core.middleware.AuditContextMiddleware",
    "armstrace.audit.middleware.RefusalAuditMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into its page
]

ROOT_URLCONF = "armstrace.urls"
WSGI_APPLICATION = "armstrace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "armstrace.web.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:weapon-list"
LOGOUT_REDIRECT_URL = "signed-out"
SESSION_COOKIE_AGE = int(env_str("ARMSTRACE_SESSION_SECONDS", "28800"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A session unused for this long ends (0: never); SESSION_COOKIE_AGE caps its whole life.
ARMSTRACE_SESSION_IDLE_MINUTES = int(env_str("ARMSTRACE_SESSION_IDLE_MINUTES", "30"))

# Sign-in protection; see docs/domain/authentication.md.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
    "armstrace.accounts.backends.AdministratorBackend",  # the admin, for administrators
]
# After this many failed sign-ins (password or second factor) a username is locked from
# that address for the cool-off; API tokens are refused per address after as many failures.
ARMSTRACE_LOGIN_FAILURE_LIMIT = int(env_str("ARMSTRACE_LOGIN_FAILURE_LIMIT", "5"))
ARMSTRACE_LOCKOUT_MINUTES = int(env_str("ARMSTRACE_LOCKOUT_MINUTES", "30"))
if ARMSTRACE_LOGIN_FAILURE_LIMIT < 1 or ARMSTRACE_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured(
        "ARMSTRACE_LOGIN_FAILURE_LIMIT and ARMSTRACE_LOCKOUT_MINUTES must be at least 1"
    )
AXES_FAILURE_LIMIT = ARMSTRACE_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=ARMSTRACE_LOCKOUT_MINUTES)
# Username and address together: a guesser locks only that user from that address, so one
# address cannot lock everybody out, and the real user elsewhere can still sign in.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures expire with the cool-off, not on a right password: else signing in again would
# restart the count of TOTP code guesses.
AXES_RESET_ON_SUCCESS = False
# Attempts during a lockout do not extend it, so the page can say when to retry.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "armstrace.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # the audit log records sign-ins and sign-outs
AXES_ENABLE_ADMIN = False  # unlocking goes through `armstrace unlock`, which is audited
# Points of contact and administrators must confirm each session with a TOTP code.
ARMSTRACE_REQUIRE_2FA = env_bool("ARMSTRACE_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = NODE_NAME
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("ARMSTRACE_HTTPS", default=False)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
# Behind TLS, browsers are told to use HTTPS only for a year (ARMSTRACE_HSTS_SECONDS).
SECURE_HSTS_SECONDS = (
    int(env_str("ARMSTRACE_HSTS_SECONDS", "31536000")) if SECURE_SSL_REDIRECT else 0
)
# Subdomains and the browsers' preload list too: a registry runs on a domain of its own.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ARMSTRACE_HSTS_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("ARMSTRACE_HSTS_PRELOAD", default=True)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", "العربية"),
    ("zh-hans", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORM_RENDERER = "armstrace.core.forms.Renderer"  # selects built in Python: see there
FORMAT_MODULE_PATH = ["armstrace.core.formats"]  # English dates in ISO order
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a visitor's choice outlives the browser session
TIME_ZONE = env_str("ARMSTRACE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True  # serve from the apps directly: no collectstatic step
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

# Characters misread for each other, one class per comma-separated group; the first of
# each group represents it. After a change, run `armstrace search reindex`.
ARMSTRACE_CONFUSABLES = env_list("ARMSTRACE_CONFUSABLES", "0ODQ,1IL7,5S,8B3,2Z,6G,UV")

# Retention policy (ITI para 12): "indefinite" (default), "iti" or "eu".
ARMSTRACE_RETENTION_POLICY = env_str("ARMSTRACE_RETENTION_POLICY", "indefinite")
# The state this node serves (ISO 3166-1 alpha-2): the country of the default agency that
# an import into an empty database creates.
ARMSTRACE_COUNTRY = env_str("ARMSTRACE_COUNTRY", "")

# Marking profiles in force (comma-separated): iti, fp, eu, us, mosaic.
ARMSTRACE_MARKING_PROFILES = env_list("ARMSTRACE_MARKING_PROFILES", "iti")
# National import mark: {country} {country3} {yyyy} {yy} {importer}.
ARMSTRACE_IMPORT_MARK_FORMAT = env_str("ARMSTRACE_IMPORT_MARK_FORMAT", "{country}{yy}")
# Days within which a found or seized weapon must be marked and recorded, or destroyed
# (ITI para 9 says "as soon as possible": the number is national policy).
ARMSTRACE_FOUND_DEADLINE_DAYS = int(env_str("ARMSTRACE_FOUND_DEADLINE_DAYS", "90"))
# A TrueType font for PDFs (checklists, certificates, trace forms); default: DejaVu Sans if
# installed. Fallbacks print what it lacks (Chinese); default: the first CJK font installed.
ARMSTRACE_PDF_FONT = env_str("ARMSTRACE_PDF_FONT", "")
ARMSTRACE_PDF_FALLBACK_FONTS = env_list("ARMSTRACE_PDF_FALLBACK_FONTS", "")
# Photographs: the largest file accepted, and the decompression-bomb guard.
ARMSTRACE_IMAGE_MAX_BYTES = int(env_str("ARMSTRACE_IMAGE_MAX_BYTES", str(20 * 1024 * 1024)))
ARMSTRACE_IMAGE_MAX_PIXELS = int(env_str("ARMSTRACE_IMAGE_MAX_PIXELS", "50000000"))

# Tracing deadlines (ITI para 19 gives no day count: these are defaults, not law).
ARMSTRACE_TRACE_ACK_DAYS = int(env_str("ARMSTRACE_TRACE_ACK_DAYS", "5"))  # working days
ARMSTRACE_TRACE_ANSWER_DAYS = int(env_str("ARMSTRACE_TRACE_ANSWER_DAYS", "30"))  # calendar days
ARMSTRACE_TRACE_HOLIDAYS = env_list("ARMSTRACE_TRACE_HOLIDAYS", "")  # ISO dates
ARMSTRACE_TRACE_REMIND_EVERY_DAYS = int(env_str("ARMSTRACE_TRACE_REMIND_EVERY_DAYS", "3"))
ARMSTRACE_TRACE_ESCALATE_AFTER_REMINDERS = int(
    env_str("ARMSTRACE_TRACE_ESCALATE_AFTER_REMINDERS", "2")
)
# Days a portal link for a manufacturer's or dealer's answer stays valid.
ARMSTRACE_TRACE_PORTAL_DAYS = int(env_str("ARMSTRACE_TRACE_PORTAL_DAYS", "14"))

# Purpose binding and misuse alerts (docs/domain/purpose-and-alerts.md).
ARMSTRACE_PURPOSE_MINUTES = int(env_str("ARMSTRACE_PURPOSE_MINUTES", "60"))
ARMSTRACE_ALERT_SCAN_MINUTES = float(env_str("ARMSTRACE_ALERT_SCAN_MINUTES", "15"))
ARMSTRACE_ALERT_SCAN_HOURS = float(env_str("ARMSTRACE_ALERT_SCAN_HOURS", "24"))
ARMSTRACE_ALERT_WINDOW_MINUTES = int(env_str("ARMSTRACE_ALERT_WINDOW_MINUTES", "60"))
ARMSTRACE_ALERT_PERSONS = int(env_str("ARMSTRACE_ALERT_PERSONS", "20"))
ARMSTRACE_ALERT_NO_CASE = int(env_str("ARMSTRACE_ALERT_NO_CASE", "10"))
ARMSTRACE_ALERT_LOOKUPS = int(env_str("ARMSTRACE_ALERT_LOOKUPS", "100"))
ARMSTRACE_ALERT_OFF_HOURS = int(env_str("ARMSTRACE_ALERT_OFF_HOURS", "3"))
ARMSTRACE_ALERT_REFUSALS = int(env_str("ARMSTRACE_ALERT_REFUSALS", "10"))
ARMSTRACE_OFFICE_HOURS = env_str("ARMSTRACE_OFFICE_HOURS", "07:00-19:00")
ARMSTRACE_OFFICE_DAYS = env_list("ARMSTRACE_OFFICE_DAYS", "1,2,3,4,5")  # ISO weekdays
ARMSTRACE_CASE_NUMBER_PATTERN = env_str("ARMSTRACE_CASE_NUMBER_PATTERN", r"[0-9]{2,}")

# Federation (issue 8; docs/architecture/federation.md). This node's Ed25519 keys live as
# files here, never in the database.
FEDERATION_KEY_DIR = env_str("ARMSTRACE_FEDERATION_KEY_DIR", str(DATA_DIR / "federation"))
FEDERATION_MAX_BODY = int(env_str("ARMSTRACE_FEDERATION_MAX_BODY", str(1024 * 1024)))
FEDERATION_CLOCK_SKEW = int(env_str("ARMSTRACE_FEDERATION_CLOCK_SKEW", "300"))  # seconds
# A message not delivered within this many hours expires (the receiver refuses it).
FEDERATION_MESSAGE_TTL_HOURS = int(env_str("ARMSTRACE_FEDERATION_MESSAGE_TTL_HOURS", "168"))
# After a key rotation, the old key still verifies messages for this many hours.
FEDERATION_KEY_GRACE_HOURS = int(env_str("ARMSTRACE_FEDERATION_KEY_GRACE_HOURS", "168"))
FEDERATION_AUTO_ACKNOWLEDGE = env_bool("ARMSTRACE_FEDERATION_AUTO_ACKNOWLEDGE", default=False)
FEDERATION_TIMEOUT = float(env_str("ARMSTRACE_FEDERATION_TIMEOUT", "10"))  # seconds per POST
# National search: how many registries of this state are asked at the same time.
FEDERATION_QUERY_THREADS = int(env_str("ARMSTRACE_FEDERATION_QUERY_THREADS", "8"))
FEDERATION_RETRY_BASE_SECONDS = float(env_str("ARMSTRACE_FEDERATION_RETRY_BASE_SECONDS", "2"))
FEDERATION_RETRY_MAX_SECONDS = float(env_str("ARMSTRACE_FEDERATION_RETRY_MAX_SECONDS", "3600"))
# A worker claims a message for this long; one that died mid-delivery (a crash, a kill)
# leaves its claim, and the message is retried once the claim lapses.
FEDERATION_LEASE_SECONDS = float(env_str("ARMSTRACE_FEDERATION_LEASE_SECONDS", "120"))
FEDERATION_WORKER_POLL_SECONDS = float(env_str("ARMSTRACE_FEDERATION_WORKER_POLL_SECONDS", "1"))
# Deliveries in flight at once (the tests use 1: their database is the test transaction's).
FEDERATION_WORKER_THREADS = int(env_str("ARMSTRACE_FEDERATION_WORKER_THREADS", "4"))
# `armstrace serve` runs the delivery worker in-process unless this is off.
FEDERATION_WORKER = env_bool("ARMSTRACE_FEDERATION_WORKER", default=True)
# Existence questions one peer may ask this node per hour (each is about one weapon).
FEDERATION_EXISTENCE_PER_HOUR = int(env_str("ARMSTRACE_FEDERATION_EXISTENCE_PER_HOUR", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ARMSTRACE_LOG_LEVEL", "WARNING")},
}
