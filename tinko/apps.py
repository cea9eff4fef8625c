from django.apps import AppConfig
from django.db.backends.signals import connection_created


class TinkoConfig(AppConfig):
    name = "tinko"
    verbose_name = "Tinko platform"

    def ready(self) -> None:
        # Registers the `__any` lookup on every field.
        import tinko.lookups  # noqa: F401
        from tinko.pg_loaders import timestamptz_loader_install

        connection_created.connect(timestamptz_loader_install, dispatch_uid="tinko.timestamptz_loader")
