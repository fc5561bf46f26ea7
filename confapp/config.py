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
# None: Secure exactly when PUBLIC_BASE_URL is https.
SESSION_COOKIE_SECURE = None
# None: the host of PUBLIC_BASE_URL; requests for any other Host get 400.
TRUSTED_HOSTS = None
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True

RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
# Per client address; a whole municipality behind one NAT must still fit through.
REGISTRATION_RATE_LIMIT = "60 per minute"
# Q&A (/q/…): asking and voting per participant (the voting cookie or the personal link; the
# address when neither), and all asks and votes from one address together: a hall full of
# people behind one Wi-Fi NAT must fit through. The live lists poll every 2.5 s (24 a minute).
QA_ASK_RATE_LIMIT = "10 per minute"
QA_VOTE_RATE_LIMIT = "60 per minute"
QA_ADDRESS_RATE_LIMIT = "1200 per minute"
QA_LIVE_RATE_LIMIT = "60 per minute"
# How long the voting cookie (a random id, nothing else) keeps a participant's identity.
QA_COOKIE_DAYS = 180
# How long a worker keeps a rendered live list for other participants' polls (blueprints/qa/
# live_cache.py); 0 renders every changed poll.
QA_LIVE_CACHE_SECONDS = 0.5
# Messages to the question box (Spørg Rådet), per client address: enough for an office behind
# one NAT, too few for a flood of spam.
BOX_RATE_LIMIT = "10 per minute;60 per hour"

# Where the app is reached, e.g. "https://moeder.example.dk". Every link in a mail is built from
# it (never from the request's Host header) and TRUSTED_HOSTS is set from it. Unset, the embedded
# default (SQLite) uses http://127.0.0.1:5000; a server on any other database refuses to start.
PUBLIC_BASE_URL = ""
EMBEDDED_BASE_URL = "http://127.0.0.1:5000"

# Request size: nothing we accept is larger than a long form (attachments, when they come, raise
# their own route's limit). A larger post gets the 413 page instead of filling worker memory.
MAX_CONTENT_LENGTH = 1024 * 1024
MAX_FORM_MEMORY_SIZE = 256 * 1024
MAX_FORM_PARTS = 200

# Behind a reverse proxy, how many proxies set X-Forwarded-For/-Proto/-Host (werkzeug's
# ProxyFix). 0 trusts no such header; the rate limits then count the proxy's own address.
PROXY_FIX_X_FOR = 0
PROXY_FIX_X_PROTO = 0

MAIL_DEFAULT_SENDER = ("Det Regionale Beskæftigelsesråd", "noreply@example.dk")
MAIL_MESSAGE_ID_DOMAIN = "confapp.local"
MAIL_SERVER = "127.0.0.1"
MAIL_PORT = 1025

# GDPR: personal data of past events is anonymised after this many days; dietary and
# accessibility notes (possibly health data) go sooner.
RETENTION_DAYS = 180
NEEDS_RETENTION_DAYS = 14

COUNCIL_NAME = "Det Regionale Beskæftigelsesråd"
# Who to contact about personal data, shown on the privacy page (empty: not shown).
PRIVACY_CONTACT = ""
# The defaults above (council name, mail sender, privacy contact, retention days) are only
# defaults: a value saved on the administration page (/admin/settings) wins.

# A set-password link mailed to a staff member works once, for this many hours.
PASSWORD_LINK_HOURS = 48


# Staff sessions and login throttling
# A staff session ends after this many minutes without a request (the next one goes to the
# login page). Logout, a new password or new roles end every session of that account.
STAFF_IDLE_MINUTES = 120
# "Keep me logged in on this device": the remember-me cookie lasts this long (seconds), is
# HttpOnly and SameSite=Lax, and is Secure whenever the session cookie is (set it explicitly
# with REMEMBER_COOKIE_SECURE to differ).
REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
REMEMBER_COOKIE_SAMESITE = "Lax"
# Only failed logins count, in RATELIMIT_STORAGE_URI (Redis when several app processes run):
# LOGIN_RATE_LIMIT per client address and account; this per address over all accounts
# (credential stuffing; a whole office behind one NAT must still fit through) ...
LOGIN_ADDRESS_RATE_LIMIT = "30 per minute;300 per hour"
# ... and this per account over all addresses: a distributed attack meets a short, growing
# delay (a minute, then ten, then an hour), never a permanent lock.
LOGIN_ACCOUNT_RATE_LIMIT = "20 per minute;50 per 10 minutes;100 per hour"
# Stated, not left to Flask-Limiter: its shared limiter object would otherwise take the last
# app's setting as the default, so one app created with limits off (a test) turned them off for
# every later app in the same process.
RATELIMIT_ENABLED = True
