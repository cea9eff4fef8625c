from django.contrib import admin

from tinko.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at", "count")
    readonly_fields = ("name", "beat_at", "count")

    def has_add_permission(self, request: object) -> bool:
        return False
