"""Settings of the Celery worker and beat that the integration tests start: Tinko's own, on the
test database, with a broker queue of the test's own, mail written to files, and the sandbox
gateway wrapped by a hook that counts its calls (and can hang after charging, to be killed).

    DJANGO_SETTINGS_MODULE=retries.tests.worker_settings TINKO_TEST_QUEUE=… TINKO_TEST_BROKER_URL=…
    TINKO_TEST_DIR=… DATABASE_URL=… REDIS_URL=… celery -A tinko worker
"""

from tinko.settings.base import *  # noqa: F403
from tinko.settings.base import PAYMENTS_GATEWAYS, env

CELERY_BROKER_URL = env.str("TINKO_TEST_BROKER_URL")
# Every task the test's beat sends goes to this queue, which only the test's worker reads.
CELERY_TASK_DEFAULT_QUEUE = env.str("TINKO_TEST_QUEUE")
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env.str("TINKO_TEST_DIR") + "/mail"
PAYMENTS_GATEWAYS = {**PAYMENTS_GATEWAYS, "sandbox": "retries.tests.gateway_hooks.CountingSandboxAdapter"}
