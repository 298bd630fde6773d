"""Settings for 督察整改台账, read from the environment only (see `.env.example`).

Defaults give the first run: SQLite under `var/`, no Redis (Celery on a filesystem broker),
DEBUG on. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_date, env_datetime, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin, its site requiring the second factor (accounts.apps.MfaAdminConfig).
    "accounts.apps.MfaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    # Two-factor login (README 登录与密码): TOTP devices, and recovery codes as static tokens.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "inspections",
    "rectification",
    "exchange",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.otp_device: the device that verified this session's second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The access log: every 403 and every export or download (accounts/access.py).
    "accounts.access.AccessLogMiddleware",
    # Which database the request reads from (read replicas; nothing without them).
    "accounts.replicas.ReplicaRoutingMiddleware",
    # Idle timeout and absolute lifetime, then the second factor (verification, or enrolment
    # for a role that requires it), then the forced change of an initial password
    # (accounts/middleware.py): all need the session, the user and messages.
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.MfaMiddleware",
    "accounts.middleware.ForcedPasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Permissions-Policy everywhere; Cache-Control: no-store when logged in and on the API.
    "config.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # SQLite only ever: a write that waited out the busy timeout answers 503 in Chinese.
    "config.middleware.DatabaseBusyMiddleware",
    # Turns a login that axes locked out into the lockout page (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
    # Last, so CommonMiddleware (APPEND_SLASH), sessions and CSRF still see its pages.
    "config.errors.ErrorPagesMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles, fonts, images and requests from this
# site only; no inline script anywhere (page data travels as <script type="application/json">,
# which is not executed). Inline style *attributes* stay allowed ('unsafe-inline' for styles):
# templates size progress bars with them and htmx adds its indicator style; a style cannot run
# code. data: images are Bootstrap's SVG form controls; blob: the canvas exports of the charts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The browser features pages may use (config.middleware.SecurityHeadersMiddleware): the
# camera and the position for phone reporting (this site only), nothing else.
PERMISSIONS_POLICY = {
    "camera": "(self)",
    "geolocation": "(self)",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
    "serial": "()",
    "bluetooth": "()",
    "midi": "()",
    "display-capture": "()",
    "accelerometer": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "xr-spatial-tracking": "()",
    "browsing-topics": "()",
}

ROOT_URLCONF = "config.urls"
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rectification.context_processors.nav",
            ],
        },
    },
]

# Database: SQLite file under var/ for the first run; DATABASE_URL for PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # Persistent connections: a connection per request ran at 0.3x throughput (docs/performance.md).
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Seconds a writer waits for another writer's lock before "database is locked".
            "timeout": 20,
            # WAL: readers never wait for a writer (a big plan import commits while others
            # read); synchronous=NORMAL is WAL's usual durability level.
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
            # BEGIN IMMEDIATE: a transaction takes the write lock when it starts and so waits
            # (up to `timeout`) for a running import, instead of failing at once when it
            # later upgrades a read to a write (SQLITE_BUSY, which skips the timeout).
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replicas (PostgreSQL streaming standbys), none by default: accounts/replicas.py sends
# the reads that tolerate a few seconds' lag there, everything else to `default`. In tests a
# replica mirrors `default` (no test database is made on a read-only standby).
DATABASE_REPLICAS = []
for _n, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _alias = f"replica_{_n}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["accounts.replicas.ReplicaRouter"]
# Seconds a user's reads stay on the primary after they changed something (read your writes),
# and seconds an unreachable replica is left alone before it is tried again.
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)

AUTH_USER_MODEL = "accounts.User"
# The password policy (README 登录与密码): checked when a user sets their own password.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes, accounts/lockout.py): an account is locked from one address
# after AXES_FAILURE_LIMIT failed logins, an address for every account after
# AXES_IP_FAILURE_LIMIT, for AXES_COOLOFF_MINUTES from the last failure, doubled for each
# further lockout up to AXES_COOLOFF_MAX_MINUTES (accounts.lockout.cool_off). Every success and
# failure is logged (admin: 访问日志, and axes' 登录记录 / 登录失败记录 / 登录尝试).
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_MAX_MINUTES = env_int("AXES_COOLOFF_MAX_MINUTES", 24 * 60)
AXES_BACKOFF_RESET_DAYS = env_int("AXES_BACKOFF_RESET_DAYS", 7)
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
# Each attempt expires at its own cool-off's end (a growing cool-off differs per client).
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.TieredLockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Masked in the attempts' logged form data: a two-factor code (a recovery code typed during
# django-otp's back-off is refused but still valid) next to axes' own username and address.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# No start-up banner on every manage.py command.
AXES_VERBOSE = False
# Behind a reverse proxy REMOTE_ADDR is the proxy's: name the header the proxy sets
# (e.g. HTTP_X_REAL_IP) so that axes counts per client (.env.example).
AXES_IP_HEADER = env_str("AXES_IP_HEADER", "")
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# Sessions: logged out after SESSION_IDLE_TIMEOUT seconds without a request, and in any case
# SESSION_COOKIE_AGE seconds after login (accounts/middleware.py). `clearsessions` runs daily.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
# The access log (accounts.access): rows older than this are deleted by the daily job.
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 365)
LOGIN_URL = "login"
# Two-factor login (accounts.mfa, README 登录与密码): the roles that must verify a TOTP code
# (or a recovery code) after their password; a superuser counts as ADMIN. Others may enrol.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["OFFICE", "ADMIN"])
_unknown_roles = sorted(
    set(MFA_REQUIRED_ROLES) - {"REPORTER", "UNIT_HEAD", "OFFICE", "LEADER", "ADMIN"}
)
if _unknown_roles:
    raise ImproperlyConfigured(
        f"MFA_REQUIRED_ROLES: unknown role(s) {', '.join(_unknown_roles)}; "
        "use REPORTER, UNIT_HEAD, OFFICE, LEADER, ADMIN"
    )
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "督察整改台账")
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on (README 登录与密码), both off by default. Either maps an identity to an
# EXISTING user only: no user, unit or role is ever created or changed from a claim or an LDAP
# attribute (accounts/oidc.py, accounts/ldap_auth.py). Both logins pass django-axes first and
# then the same session and forced-password-change middleware as a password login.
#
# OpenID Connect (mozilla-django-oidc): on when OIDC_RP_CLIENT_ID is set. The provider's
# endpoints come from its discovery document (OIDC_OP_DISCOVERY, read when first needed and
# cached) or are named one by one. ID tokens must be RS256-signed with a key from the JWKS,
# for this client (aud), from this issuer (iss), unexpired, with the login's nonce.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_DISCOVERY = env_str("OIDC_OP_DISCOVERY", "")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid profile email")
# Which claim names the person, and which user field it must equal (username or email).
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_USER_FIELD = env_str("OIDC_USER_FIELD", "username")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_AUTHENTICATE_CLASS = "accounts.oidc.AuthenticationRequestView"
OIDC_CALLBACK_CLASS = "accounts.oidc.CallbackView"
if OIDC_ENABLED:
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_SECRET must be set with OIDC_RP_CLIENT_ID")
    _endpoints = [
        OIDC_OP_AUTHORIZATION_ENDPOINT,
        OIDC_OP_TOKEN_ENDPOINT,
        OIDC_OP_USER_ENDPOINT,
        OIDC_OP_JWKS_ENDPOINT,
    ]
    if not OIDC_OP_DISCOVERY and not all(_endpoints):
        raise ImproperlyConfigured(
            "OIDC_OP_DISCOVERY, or all of OIDC_OP_AUTHORIZATION_ENDPOINT, "
            "OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT and OIDC_OP_JWKS_ENDPOINT, must be set"
        )
    if OIDC_USER_FIELD not in ("username", "email"):
        raise ImproperlyConfigured(
            f"OIDC_USER_FIELD must be username or email, got {OIDC_USER_FIELD!r}"
        )

# LDAP (django-auth-ldap, the optional `ldap` extra): on when LDAP_SERVER_URI is set. The
# login name is looked up with LDAP_USER_FILTER under LDAP_USER_SEARCH_BASE (bound as
# LDAP_BIND_DN), the password checked by binding as the entry found, and the user with that
# username logs in. Local passwords keep working unless LDAP_ONLY=1 (then only superusers,
# the way in when the directory is down, log in with a local password).
LDAP_SERVER_URI = env_str("LDAP_SERVER_URI", "")
LDAP_ENABLED = bool(LDAP_SERVER_URI)
LDAP_ONLY = LDAP_ENABLED and env_bool("LDAP_ONLY", False)
if LDAP_ENABLED:
    try:
        import ldap
        from django_auth_ldap.config import LDAPSearch
    except ImportError as exc:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but django-auth-ldap is not installed: "
            "pip install '.[ldap]' (needs libldap2-dev and libsasl2-dev)"
        ) from exc
    AUTH_LDAP_SERVER_URI = LDAP_SERVER_URI
    AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD", "")
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        env_str("LDAP_USER_SEARCH_BASE", ""),
        ldap.SCOPE_SUBTREE,
        env_str("LDAP_USER_FILTER", "(uid=%(user)s)"),
    )
    AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_NETWORK_TIMEOUT: env_int("LDAP_TIMEOUT", 5),
        ldap.OPT_TIMEOUT: env_int("LDAP_TIMEOUT", 5),
    }
    # The CA that signed the directory's certificate, when not one the system trusts.
    LDAP_TLS_CA_FILE = env_str("LDAP_TLS_CA_FILE", "")
    if LDAP_TLS_CA_FILE:
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_CACERTFILE] = LDAP_TLS_CA_FILE
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        # (last: applies the TLS options above to the connection's new TLS context)
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_NEWCTX] = 0
    # Existing users only, and nothing copied from the directory onto them.
    AUTH_LDAP_NO_NEW_USERS = True
    AUTH_LDAP_ALWAYS_UPDATE_USER = False
    AUTH_LDAP_USER_ATTR_MAP = {}
    AUTH_LDAP_FIND_GROUP_PERMS = False
    AUTH_LDAP_MIRROR_GROUPS = None

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    *(["accounts.ldap_auth.ExistingUserLDAPBackend"] if LDAP_ENABLED else []),
    *(["accounts.oidc.ExistingUserOIDCBackend"] if OIDC_ENABLED else []),
    # Local passwords; loads the session's user with its unit and region (accounts.backends).
    "accounts.backends.UserWithUnitBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# Evidence files live outside the web root and are served only through a scope-checking view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# WhiteNoise reads the files from the finders instead of STATIC_ROOT: the local demo served
# with DEBUG off (scripts/serve.sh) needs no collectstatic; production collects them.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)

# Uploads: evidence files are limited in size and checked by content (rectification/uploads.py).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Photos: larger than PHOTO_COMPRESS_BYTES or PHOTO_MAX_SIDE pixels on the long side are
# re-encoded as JPEG (quality PHOTO_JPEG_QUALITY, long side at most PHOTO_MAX_SIDE), EXIF kept.
PHOTO_COMPRESS_BYTES = env_int("PHOTO_COMPRESS_BYTES", 2 * 1024 * 1024)
PHOTO_MAX_SIDE = env_int("PHOTO_MAX_SIDE", 2560)
PHOTO_JPEG_QUALITY = env_int("PHOTO_JPEG_QUALITY", 85)
# A photo is flagged for checking when its EXIF time is more than PHOTO_MAX_AGE_DAYS before
# the upload (or before the task's previous report), or its GPS position is more than
# PHOTO_MAX_DISTANCE_M metres from the task's coordinates.
PHOTO_MAX_AGE_DAYS = env_int("PHOTO_MAX_AGE_DAYS", 30)
PHOTO_MAX_DISTANCE_M = env_int("PHOTO_MAX_DISTANCE_M", 2000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Mail: console backend unless SMTP is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "督察整改台账 <noreply@localhost>")

# Security: strict in production, relaxed for the local first run.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Celery: a filesystem broker for the first run (no Redis needed), Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A job's message is acknowledged when the job ends, and given back to the broker when the
# process running it dies (kill -9, the OOM killer), so it is redelivered, not lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged message to another worker after this many seconds (the whole
# worker died, not only its pool process). It must exceed the longest job, or a job still
# running is started a second time: a round's archive bundle (一案一档) of several GB, or the
# warnings sweep and the dispatch report on a province of 1,000,000 tasks, take minutes; two
# hours leaves a wide margin. The jobs' claims (rectification/jobs/runs.py) use the same value:
# a claim older than this belonged to a dead worker and may be taken over.
JOBS_VISIBILITY_TIMEOUT = env_int("JOBS_VISIBILITY_TIMEOUT", 2 * 60 * 60)
JOBS_STALE_AFTER = JOBS_VISIBILITY_TIMEOUT
# A scheduled run that failed is retried by the catch-up up to this many attempts in all.
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 5)
# A due run not completed this many seconds after its time is flagged 逾期未运行.
JOBS_OVERDUE_AFTER = env_int("JOBS_OVERDUE_AFTER", 30 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        "visibility_timeout": JOBS_VISIBILITY_TIMEOUT,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "control_folder": str(CELERY_DIR / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DIR / 'results'}"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")

# Caches. `progress` carries a background import's progress from the worker to the polling
# page while the import's transaction is still open (exchange/plan_import/jobs.py): Redis when
# configured, else files under VAR_DIR, which every process on the machine (the web server
# and the worker of `make run`, or containers sharing the var volume) reads and writes.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The API's rate-limit counters (accounts.throttles): shared by every web worker in Redis.
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "throttle",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
    "progress": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "progress"),
        }
    ),
}

REST_FRAMEWORK = {
    # Token first: an anonymous call then gets 401 with WWW-Authenticate (session auth alone
    # would answer 403). Session auth keeps CSRF enforced for browser writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.backends.TokenWithUnitAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "rectification.api.permissions.ReadOnlyForLeaders",
        "rectification.api.permissions.TokenScopeAllows",
    ],
    # Rates: API_THROTTLE_RATES below, read at each request (accounts.throttles).
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttles.TokenRateThrottle",
        "accounts.throttles.UserRateThrottle",
        "accounts.throttles.AnonRateThrottle",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rectification.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "rectification.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens (accounts.tokens): the validity of a new token, and the longest one may ask for.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 366)
# Requests per period ("600/min", "10000/day"); empty: no limit. Per token, per user (its
# session and all its tokens together), per address for anonymous calls.
API_THROTTLE_RATES = {
    "token": env_str("API_THROTTLE_TOKEN", "600/min") or None,
    "user": env_str("API_THROTTLE_USER", "600/min") or None,
    "anon": env_str("API_THROTTLE_ANON", "60/min") or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "督察整改台账 API",
    "DESCRIPTION": "Rounds, problems, point-level tasks and their close-out lifecycle.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # One component per choices class (the same field name, e.g. "status", names many sets).
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "rectification.choices.TaskStatus",
        "ScheduleStatusEnum": "rectification.choices.ScheduleStatus",
        "WarningLevelEnum": "rectification.choices.WarningLevel",
        "SiteTypeEnum": "rectification.choices.SiteType",
        "AssignmentRoleEnum": "rectification.choices.AssignmentRole",
        "AttachmentKindEnum": "rectification.choices.AttachmentKind",
        "ExtensionStatusEnum": "rectification.choices.ExtensionStatus",
        "CloseoutStatusEnum": "rectification.choices.CloseoutStatus",
        "ReviewLevelEnum": "rectification.choices.ReviewLevel",
        "ReviewMethodEnum": "rectification.choices.ReviewMethod",
        "ReviewResultEnum": "rectification.choices.ReviewResult",
        "NoticeResultEnum": "rectification.choices.NoticeResult",
        "WarningReasonEnum": "rectification.choices.WarningReason",
        "SupervisionKindEnum": "rectification.choices.SupervisionKind",
        "SupervisionStatusEnum": "rectification.choices.SupervisionStatus",
        "LookBackMethodEnum": "rectification.choices.LookBackMethod",
        "LookBackResultEnum": "rectification.choices.LookBackResult",
        "NotificationChannelEnum": "rectification.choices.NotificationChannel",
        "NotificationStatusEnum": "rectification.choices.NotificationStatus",
        "RoundLevelEnum": "inspections.choices.RoundLevel",
        "RoundKindEnum": "inspections.choices.RoundKind",
        "RoundStatusEnum": "inspections.choices.RoundStatus",
        "DeadlineTypeEnum": "inspections.choices.DeadlineType",
        "ProblemSourceEnum": "inspections.choices.ProblemSource",
        "PetitionChannelEnum": "inspections.choices.PetitionChannel",
        "VerifyResultEnum": "inspections.choices.VerifyResult",
        "PetitionStatusEnum": "inspections.choices.PetitionStatus",
    },
}

# Business settings.
# The business "today": unset means the real local date; the demo pins it to its snapshot day.
TRACKER_TODAY = env_date("TRACKER_TODAY")
# Pins the clock to one moment (accounts.clock): every timestamp the product writes and the
# business date. Unset: the real time (on TRACKER_TODAY's date when that is set).
TRACKER_NOW = env_datetime("TRACKER_NOW")
# A task whose progress lags its time-proportional expectation by more than this many
# percentage points is behind schedule (未达到序时进度); ahead by more, ahead.
SCHEDULE_TOLERANCE_PCT = env_int("SCHEDULE_TOLERANCE_PCT", 10)
# Yellow warning when the deadline is within this many days (docs/domain.md §4, cf. [C1]).
WARNING_DUE_SOON_DAYS = env_int("WARNING_DUE_SOON_DAYS", 5)
# Reminders escalate to the office and the leader in charge after this many overdue days.
ESCALATE_AFTER_OVERDUE_DAYS = env_int("ESCALATE_AFTER_OVERDUE_DAYS", 7)
# Day of the month by which the monthly progress report is due.
MONTHLY_REPORT_CUTOFF_DAY = env_int("MONTHLY_REPORT_CUTOFF_DAY", 25)
# The report-chase job reminds units this many days before that cutoff day.
MONTHLY_REPORT_CHASE_DAYS = env_int("MONTHLY_REPORT_CHASE_DAYS", 3)
# Plan import limits (exchange/plan_import/safety.py): file size, data rows, and the total
# uncompressed size of the workbook's parts (a zip bomb is refused before openpyxl opens it).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
# A plan with more data rows than this is committed by a background job (Celery, the beat's
# `imports` entry) with a progress bar, not inside the web request.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2_000)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# 公示 (README "The 销号 chain as enforced"): a close-out's public notice lasts at least this many
# working days (inspections.workdays), counted from its first day to its last.
NOTICE_MIN_WORKING_DAYS = env_int("NOTICE_MIN_WORKING_DAYS", 5)
# The objection phone printed on a notice, prefilled in the accept form; unset: the office
# unit's own phone (Unit.phone).
NOTICE_OBJECTION_PHONE = env_str("NOTICE_OBJECTION_PHONE", "")
# The objection form on /public/ (services.objections): a citizen may submit an objection to a
# task in its notice period; at most PER_SOURCE_HOUR from one address in an hour and
# PER_NOTICE_DAY on one notice in a day (no captcha).
PUBLIC_OBJECTION_FORM = env_bool("PUBLIC_OBJECTION_FORM", True)
PUBLIC_OBJECTION_PER_SOURCE_HOUR = env_int("PUBLIC_OBJECTION_PER_SOURCE_HOUR", 3)
PUBLIC_OBJECTION_PER_NOTICE_DAY = env_int("PUBLIC_OBJECTION_PER_NOTICE_DAY", 20)
# Reads of /public/ (pages and photos) one address may make in a minute (429 past it; 0: no
# limit).
PUBLIC_READS_PER_SOURCE_MINUTE = env_int("PUBLIC_READS_PER_SOURCE_MINUTE", 120)
# A 督办函 / 挂牌督办 without a typed reply deadline must be answered in writing within this
# many working days of its issue (限N个工作日书面回复).
SUPERVISION_REPLY_WORKING_DAYS = env_int("SUPERVISION_REPLY_WORKING_DAYS", 10)
# A petition handed to a unit (交办) is due this many working days later (办理结果上报).
PETITION_DUE_WORKING_DAYS = env_int("PETITION_DUE_WORKING_DAYS", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint's font subsetting (the archive index PDF) logs every glyph at INFO.
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}

# INCLUDE columns on the open-task index are PostgreSQL-only; SQLite builds the index without
# them, which is fine for the first-run database.
# HSTS preload (security.W021) is opt-in through SECURE_HSTS_PRELOAD: submitting a domain to the
# browsers' preload list binds every subdomain of it, a decision for whoever owns the domain.
SILENCED_SYSTEM_CHECKS = ["models.W040", "security.W021"]
