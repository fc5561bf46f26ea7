"""Default configuration. No secrets live here.

Order of precedence (last wins): these defaults, ``instance/config.py``,
``FLASK_*`` environment variables, then the ``test_config`` given to
:func:`confapp.create_app`.
"""

LANGUAGES = ("da", "en")
BABEL_DEFAULT_LOCALE = "da"
BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
TIMEZONE = "Europe/Copenhagen"

SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
# SQLite writers wait this long for the write lock instead of failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000

WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session: long forms must not expire

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True

RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
# Per client address; a whole municipality behind one NAT must still fit through.
REGISTRATION_RATE_LIMIT = "60 per minute"

# Links in mails point here; without it, the address of the request that queued the mail.
PUBLIC_BASE_URL = ""

MAIL_DEFAULT_SENDER = ("Det Regionale Beskæftigelsesråd", "noreply@example.dk")
MAIL_MESSAGE_ID_DOMAIN = "confapp.local"
MAIL_SERVER = "127.0.0.1"
MAIL_PORT = 1025

# GDPR: personal data of past events is anonymised after this many days; dietary and
# accessibility notes (possibly health data) go sooner.
RETENTION_DAYS = 180
NEEDS_RETENTION_DAYS = 14

COUNCIL_NAME = "Det Regionale Beskæftigelsesråd"
