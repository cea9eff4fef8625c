"""Settings modules: base (development), production and test; `settings_module_select` picks one."""

import os

from django.core.exceptions import ImproperlyConfigured


def settings_module_select() -> None:
    """Default DJANGO_SETTINGS_MODULE to development settings, except where TINKO_ENV says production.

    The image sets both variables; a production process that lost its settings module must stop
    rather than serve with DEBUG on and the public development keys.
    """
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    if os.environ.get("TINKO_ENV", "").strip().lower() == "production":
        raise ImproperlyConfigured(
            "TINKO_ENV is production but DJANGO_SETTINGS_MODULE is not set: set it to tinko.settings.production."
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinko.settings.base"
