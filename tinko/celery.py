"""Tinko's Celery app, configured from Django settings (the CELERY_ namespace)."""

import gc

from celery import Celery
from celery.signals import setup_logging, task_prerun, worker_process_init, worker_ready

from tinko.settings import settings_module_select

settings_module_select()

app = Celery("tinko")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**_: object) -> None:
    """Keep Django's LOGGING (structured JSON) in workers instead of Celery's own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: object = None, **_: object) -> None:
    from tinko.logging import log_context_bind, log_context_clear

    log_context_clear()
    log_context_bind(task_id=task_id, task=getattr(task, "name", None))


@worker_ready.connect
@worker_process_init.connect
def _freeze_loaded_objects(**_: object) -> None:
    """Take everything loaded at start (Django, the tasks, their modules) out of the garbage
    collector's sight, as tinko/wsgi.py does for the web processes: those objects live as long as
    the process, and each full collection would walk them all. `worker_ready` comes in the process
    that runs tasks under the solo and thread pools; `worker_process_init` in each prefork child."""
    gc.collect()
    gc.freeze()
