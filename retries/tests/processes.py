"""A real Celery worker and beat, as subprocesses on the test database, for the integration tests.

They run `retries.tests.worker_settings`: Tinko's settings with a broker queue of the test's own
(on Redis database BROKER_DB, never the cache's), so that nothing else reads or feeds it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from retries.dispatch import DISPATCH_TASK, SWEEP_TASK
from tinko.periodic import periodic_tasks_sync

BROKER_DB = 8
WAIT_SECONDS = 30.0


def database_url() -> str:
    """The test database, as DATABASE_URL for a subprocess (PostgreSQL)."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_url() -> str:
    return urlsplit(settings.REDIS_URL)._replace(path=f"/{BROKER_DB}").geturl()


def beat_dispatcher_and_sweeper_every_second() -> None:
    """The periodic tasks as deployed, with the dispatcher and the sweeper every second and the
    others off (so that the worker's log shows only the retry engine)."""
    periodic_tasks_sync()
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    ours = [DISPATCH_TASK, SWEEP_TASK]
    PeriodicTask.objects.filter(task__in=ours).update(interval=every_second)
    PeriodicTask.objects.exclude(task__in=ours).update(enabled=False)
    PeriodicTasks.update_changed()


class CeleryProcesses:
    """One worker (solo pool: the task runs in the process a test may kill) and one beat."""

    def __init__(self, *, directory: Path, env: dict[str, str]) -> None:
        self.directory = directory
        self.queue = f"test-retries-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "retries.tests.worker_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "TINKO_TEST_BROKER_URL": broker_url(),
            "TINKO_TEST_QUEUE": self.queue,
            "TINKO_TEST_DIR": str(directory),
            "DEBUG": "false",
            "LOG_FORMAT": "console",
            **env,
        }
        self.worker: subprocess.Popen[bytes] | None = None
        self.beat: subprocess.Popen[bytes] | None = None
        self._started = 0

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
        self._started += 1
        log = (self.directory / f"{self._started}-{name}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tinko", *arguments],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start_worker(self) -> None:
        self.worker = self._start(
            "worker",
            [
                "worker",
                "-Q",
                self.queue,
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname={self.queue}-{self._started}@%h",
            ],
        )

    def start_beat(self) -> None:
        pidfile = self.directory / "beat.pid"
        self.beat = self._start("beat", ["beat", "--loglevel=INFO", "--max-interval=1", f"--pidfile={pidfile}"])

    def kill_worker(self) -> None:
        """kill -9: the worker gets no chance to acknowledge, release or clean up anything."""
        assert self.worker is not None
        os.kill(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def output(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.directory.glob("*.log")))

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Poll `condition` until it holds; fail with both processes' output after WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            for process in (self.worker, self.beat):
                if process is not None and process.poll() is not None:
                    raise AssertionError(f"a Celery process exited while waiting for {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.output()}")
            time.sleep(0.2)

    def stop(self) -> None:
        for process in (self.worker, self.beat):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        self.worker = self.beat = None
        client = redis.Redis.from_url(broker_url())
        client.delete(self.queue, f"_kombu.binding.{self.queue}")
        client.close()
