"""Settings for benchmarking: Tinko as configured by the environment, plus the baseline view.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://… REDIS_URL=redis://… \
        gunicorn tinko.wsgi:application --workers 4 --bind 127.0.0.1:8002
"""

from tinko.settings.base import *  # noqa: F403
from tinko.settings.base import INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK, env

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# Every response says how long the server spent on it (Server-Timing), apart from queueing.
MIDDLEWARE = ["bench.middleware.ServerTimingMiddleware", *MIDDLEWARE]
# Measure the code, not the development conveniences.
DEBUG = env.bool("DEBUG", default=False)
# The per-key rate limit still runs (it is part of every request's cost) but must not cap the run.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_RATE_LIMIT", default="1000000/s")},
}
API_EVENT_RATE_LIMIT = env.str("API_EVENT_RATE_LIMIT", default="100000000/s")
# The payer pages' limits per address and per link must not cap bench.portal's one client either.
PORTAL_RATE_PER_IP = env.str("PORTAL_RATE_PER_IP", default="100000000/s")
PORTAL_RATE_PAGE = env.str("PORTAL_RATE_PAGE", default="100000000/s")
