"""Settings for the test suite: base, made fast and hermetic."""

from tinko.settings.base import *  # noqa: F403
from tinko.settings.base import DATABASES, REDIS_URL, VAR_DIR

DEBUG = False
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run inline unless a test starts a real worker (tinko/tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOG_FORMAT = "console"
# As in production: staff reach the admin only with two-factor sign-in set up.
ADMIN_REQUIRE_MFA = True
# Tests see a rule or retry-policy edit at once.
CLASSIFIER_RULES_CHECK_SECONDS = 0.0
RETRY_POLICIES_CHECK_SECONDS = 0.0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process started by a test sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
