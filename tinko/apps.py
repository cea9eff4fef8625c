from django.apps import AppConfig


class TinkoConfig(AppConfig):
    name = "tinko"
    verbose_name = "Tinko platform"
