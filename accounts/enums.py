from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"


class ApiKeyMode(models.TextChoices):
    TEST = "test", "Test"
    LIVE = "live", "Live"
