import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tinko.periodic import periodic_tasks_sync
from tinko.schedules import MANAGED_PREFIX, PERIODIC_TASKS


@pytest.mark.django_db
def test_sync_writes_every_schedule_once_and_is_idempotent() -> None:
    first = periodic_tasks_sync()
    second = periodic_tasks_sync()

    assert first.created == len(PERIODIC_TASKS)
    assert second.created == 0
    assert second.unchanged == len(PERIODIC_TASKS)
    assert PeriodicTask.objects.filter(name__startswith=MANAGED_PREFIX).count() == len(PERIODIC_TASKS)
    heartbeat = PeriodicTask.objects.get(task="tinko.heartbeat")
    assert heartbeat.interval.every == 30
    assert heartbeat.interval.period == IntervalSchedule.SECONDS
    assert heartbeat.enabled is True


@pytest.mark.django_db
def test_sync_repairs_an_edited_schedule_and_removes_retired_ones() -> None:
    periodic_tasks_sync()
    PeriodicTask.objects.filter(task="tinko.heartbeat").update(enabled=False)
    retired_interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name=f"{MANAGED_PREFIX}retired sweeper", task="x.retired", interval=retired_interval)
    PeriodicTask.objects.create(name="added by an operator", task="x.custom", interval=retired_interval)

    result = periodic_tasks_sync()

    assert (result.updated, result.removed) == (1, 1)
    assert PeriodicTask.objects.get(task="tinko.heartbeat").enabled is True
    assert not PeriodicTask.objects.filter(task="x.retired").exists()
    assert PeriodicTask.objects.filter(name="added by an operator").exists()


@pytest.mark.django_db
def test_an_interval_left_to_admins_keeps_their_edit_and_the_rest_is_repaired() -> None:
    periodic_tasks_sync()
    (spec,) = [spec for spec in PERIODIC_TASKS if spec.task == "retries.dispatch_due_attempts"]
    assert spec.interval_editable
    every_two_seconds = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(name=spec.name).update(interval=every_two_seconds, enabled=False)

    result = periodic_tasks_sync()

    dispatcher = PeriodicTask.objects.get(name=spec.name)
    assert (result.updated, dispatcher.interval, dispatcher.enabled) == (1, every_two_seconds, True)


@pytest.mark.django_db
def test_command_reports_what_it_did(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")

    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"Periodic tasks: {len(PERIODIC_TASKS)} created, 0 updated, 0 unchanged, 0 removed.",
        f"Periodic tasks: 0 created, 0 updated, {len(PERIODIC_TASKS)} unchanged, 0 removed.",
    ]
