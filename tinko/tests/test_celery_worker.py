"""A real Celery worker process, on the configured broker and database, runs a task; a worker
freezes what it loaded at start."""

import gc
import os
import subprocess
import sys
import time
import uuid

import pytest
from celery.signals import worker_process_init, worker_ready
from celery.utils.dispatch import Signal
from django.conf import settings
from django.db import connection

from tinko.celery import app
from tinko.models import Heartbeat


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_and_its_effect_lands_in_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tinko.settings.base",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "false",
        "LOG_FORMAT": "console",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tinko",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            f"--hostname={queue}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        app.send_task("tinko.heartbeat", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Heartbeat.objects.exists():
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else "worker exited"
            time.sleep(0.25)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    heartbeat = Heartbeat.objects.get()
    assert heartbeat.count == 1, output
    assert "tinko.heartbeat" in output
    assert ("redis://" in output) == bool(settings.REDIS_URL)


@pytest.mark.parametrize("signal", [worker_ready, worker_process_init], ids=["solo or threads", "prefork child"])
def test_a_worker_takes_what_it_loaded_out_of_the_garbage_collectors_sight(signal: Signal) -> None:
    gc.unfreeze()
    try:
        signal.send(sender=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
