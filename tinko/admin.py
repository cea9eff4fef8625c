from django.contrib import admin
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from accounts.admin_site import ActionsNeedChangePermission
from tinko.models import Heartbeat

admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(ActionsNeedChangePermission, BeatPeriodicTaskAdmin):
    """django-celery-beat's, with enabling, disabling and running tasks only for staff who may change them."""


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at", "count")
    readonly_fields = ("name", "beat_at", "count")

    def has_add_permission(self, request: object) -> bool:
        return False
