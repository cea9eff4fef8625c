from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"


class PayerLanguage(models.TextChoices):
    """Languages Tinko speaks to payers in (emails and payer pages); settings.LANGUAGES lists the same."""

    ENGLISH = "en", "English"
    HINDI = "hi", "Hindi (हिन्दी)"


class ApiKeyMode(models.TextChoices):
    TEST = "test", "Test"
    LIVE = "live", "Live"


# Roles in increasing order of power; a role can do everything the ones before it can.
ROLE_RANK: dict[str, int] = {Role.ANALYST: 1, Role.ADMIN: 2, Role.OWNER: 3}

# An API key acts as an admin (full access) or an analyst (read-only), never as an owner.
API_KEY_ROLES: tuple[str, ...] = (Role.ADMIN, Role.ANALYST)


def role_at_least(role: str, minimum: str) -> bool:
    """Whether `role` may do what `minimum` may."""
    return ROLE_RANK[role] >= ROLE_RANK[minimum]
