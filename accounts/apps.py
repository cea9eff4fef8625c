from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import (
            authentication,  # noqa: F401  (registers the OpenAPI auth extension)
            receivers,  # noqa: F401  (two-factor audit rows; forgetting remembered API keys)
            tasks,  # noqa: F401  (sent by name: registered in every process, web included)
        )
