from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tinko.schedules import PERIODIC_TASKS


@pytest.mark.django_db
def test_release_migrates_and_writes_the_schedules() -> None:
    call_command("release", verbosity=0)

    assert PeriodicTask.objects.filter(task="tinko.heartbeat").count() == 1
    assert PeriodicTask.objects.exclude(name="celery.backend_cleanup").count() == len(PERIODIC_TASKS)


@pytest.mark.django_db
def test_beat_alive_fails_until_beat_has_sent_a_task_recently(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("setup_periodic_tasks")
    with pytest.raises(CommandError, match="beat has not sent any periodic task yet"):
        call_command("beat_alive")

    PeriodicTask.objects.filter(task="tinko.heartbeat").update(last_run_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(CommandError, match=r"beat last sent a task 30\ds ago"):
        call_command("beat_alive", "--max-age", "120")

    PeriodicTask.objects.filter(task="tinko.heartbeat").update(last_run_at=timezone.now() - timedelta(seconds=10))
    call_command("beat_alive", "--max-age", "120")
    assert "beat sent a task 10s ago" in capsys.readouterr().out
