"""Settings of the dispatch benchmark (`python -m bench.dispatch`) and of the one worker it starts:
Tinko's, with mail built and dropped (bench.mail) and the retry engine's tasks on a queue of the
benchmark's own. The sandbox's webhook deliveries go to a queue nobody reads: they are part of a
re-charge's cost to send, not to deliver, in this measurement."""

from bench.settings import *  # noqa: F403
from bench.settings import env

EMAIL_BACKEND = "bench.mail.SinkBackend"
BENCH_QUEUE = env.str("BENCH_QUEUE", default="bench-dispatch")
BENCH_SANDBOX_EVENTS_QUEUE = f"{BENCH_QUEUE}-sandbox-events"
CELERY_TASK_DEFAULT_QUEUE = BENCH_QUEUE
CELERY_TASK_ROUTES = {"payments.sandbox_deliver_event": {"queue": BENCH_SANDBOX_EVENTS_QUEUE}}
# Every due attempt is claimed before the worker starts.
RETRY_DISPATCH_MAX_IN_FLIGHT = env.int("RETRY_DISPATCH_MAX_IN_FLIGHT", default=10_000_000)
