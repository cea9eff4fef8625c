"""Production settings: everything in base, plus what a real deployment must not skip."""

from django.core.exceptions import ImproperlyConfigured

from tinko.settings.base import *  # noqa: F403
from tinko.settings.base import EMAIL_URL, env

DEBUG = False

SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# TLS ends at the load balancer, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Only a local trial over plain http (docker compose on a laptop) turns these off.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# A superuser sees every organization: the admin asks for two-factor sign-in, whatever the environment says.
ADMIN_REQUIRE_MFA = True

# Nobody reaches the console with an address they have not proven they own.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Gateway secrets are encrypted with these keys; the development default is public.
GATEWAY_ENCRYPTION_KEYS = env.list("GATEWAY_ENCRYPTION_KEYS", default=[])
if not GATEWAY_ENCRYPTION_KEYS or "dGlua28tZGV2ZWxvcG1lbnQtb25seS1nYXRld2F5LWs=" in GATEWAY_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "GATEWAY_ENCRYPTION_KEYS must be set to your own Fernet key(s), newest first "
        "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
    )

# Two-factor secrets are encrypted with these keys; the development default is public.
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
if not MFA_ENCRYPTION_KEYS or "dGlua28tZGV2ZWxvcG1lbnQtb25seS1tZmEta2V5LWs=" in MFA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "MFA_ENCRYPTION_KEYS must be set to your own Fernet key(s), newest first, not the gateway keys "
        "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
    )

# Without EMAIL_URL, mail goes to an SMTP server on localhost:25 (Django's default), never to files
# under var/ as in development: payer emails carry recovery links.
if not EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
