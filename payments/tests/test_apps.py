"""Services send payments' tasks by name, so every process, not only a worker, must have them registered."""

import os
import subprocess
import sys

from django.conf import settings

REGISTERED_TASKS = (
    "import django; django.setup(); from tinko.celery import app; "
    "print(sorted(name for name in app.tasks if name.startswith('payments.')))"
)


def test_a_web_process_has_every_payments_task_registered_after_setup() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", REGISTERED_TASKS],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tinko.settings.base"},
        capture_output=True,
        text=True,
        check=True,
    )

    assert completed.stdout.strip() == str(
        [
            "payments.process_webhook_event",
            "payments.prune_webhook_payloads",
            "payments.sandbox_deliver_event",
            "payments.sweep_sandbox",
            "payments.sweep_webhook_inbox",
        ]
    )
