"""The project's own admin rows for the admin walk (accounts/tests/isolation.py): the heartbeat
and django-celery-beat's schedules, which no organization owns."""

from datetime import timedelta

from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.models import Organization
from accounts.tests.isolation import admin_row
from tinko.models import Heartbeat


@admin_row("tinko.Heartbeat")
def heartbeat_row(organization: Organization) -> Heartbeat:
    return Heartbeat.objects.create(name=f"walk {organization.slug}", beat_at=timezone.now(), count=1)


@admin_row("django_celery_beat.IntervalSchedule")
def interval_row(organization: Organization) -> IntervalSchedule:
    return IntervalSchedule.objects.create(every=organization.pk + 600, period=IntervalSchedule.SECONDS)


@admin_row("django_celery_beat.CrontabSchedule")
def crontab_row(organization: Organization) -> CrontabSchedule:
    return CrontabSchedule.objects.create(minute=str(organization.pk % 60), hour="3")


@admin_row("django_celery_beat.SolarSchedule")
def solar_row(organization: Organization) -> SolarSchedule:
    return SolarSchedule.objects.create(event="sunrise", latitude=organization.pk % 80, longitude=10)


@admin_row("django_celery_beat.ClockedSchedule")
def clocked_row(organization: Organization) -> ClockedSchedule:
    return ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=organization.pk))


@admin_row("django_celery_beat.PeriodicTask")
def periodic_task_row(organization: Organization) -> PeriodicTask:
    return PeriodicTask.objects.create(
        name=f"walk {organization.slug}", task="tinko.heartbeat", interval=interval_row(organization), enabled=True
    )
