from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from timezone_field import TimeZoneField

from accounts.enums import API_KEY_ROLES, ApiKeyMode, PayerLanguage, Role
from tinko.ids import PublicIdField
from tinko.tenancy import OrgQuerySet


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: merchant staff or a platform admin. Email is the login."""

    public_id = PublicIdField(prefix="usr")
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to Django admin (platform admins).")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """A merchant: the tenant every merchant-owned row belongs to."""

    public_id = PublicIdField(prefix="org")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = TimeZoneField(default="UTC", use_pytz=False)
    default_currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(default=timezone.now)
    deletion_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when an owner deletes the organization: its keys, members and webhook endpoints stop at "
        "once, its data goes in the background.",
    )
    # Branding for payer pages and emails; blank means "use the defaults".
    display_name = models.CharField(max_length=120, blank=True, help_text="Shown to payers; the name if blank.")
    accent_colour = models.CharField(max_length=7, blank=True, help_text="#rrggbb, dark enough for white text.")
    support_email = models.EmailField(blank=True)
    support_phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +919876543210.")
    payer_language = models.CharField(
        max_length=8,
        choices=PayerLanguage.choices,
        default=PayerLanguage.ENGLISH,
        help_text="Emails and payer pages use it unless a payer chose another.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payer_language__in=PayerLanguage.values),
                name="accounts_organization_payer_language_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(default_currency__regex=r"^[A-Z]{3}$"),
                name="accounts_organization_currency_iso4217",
            ),
            models.CheckConstraint(
                condition=models.Q(accent_colour="") | models.Q(accent_colour__regex=r"^#[0-9a-f]{6}$"),
                name="accounts_organization_accent_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def brand_name(self) -> str:
        return self.display_name or self.name


class OrganizationLogo(models.Model):
    """An organization's logo, re-encoded as PNG.

    Kept in the database rather than on a file system so every web process can serve
    it without shared storage; it is small (bounded at upload) and read with caching.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="logo")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Logo of {self.organization}"


class Membership(models.Model):
    """A user's place in an organization, with a role."""

    public_id = PublicIdField(prefix="mem")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="accounts_membership_one_per_org"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"


class ApiKey(models.Model):
    """A secret that lets a merchant's systems call the API for one organization.

    Only a SHA-256 hash of the full key is kept; the key is shown once, at creation.
    `lookup` is the public, indexed part that finds the row before the hash is compared.
    """

    public_id = PublicIdField(prefix="key")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=4, choices=ApiKeyMode.choices, default=ApiKeyMode.TEST)
    # What the key may do: admin is full access, analyst is read-only. Keys are never owners.
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ADMIN)
    lookup = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="accounts_apikey_org_created")]
        constraints = [
            models.CheckConstraint(condition=models.Q(mode__in=ApiKeyMode.values), name="accounts_apikey_mode_valid"),
            models.CheckConstraint(condition=models.Q(role__in=API_KEY_ROLES), name="accounts_apikey_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def display_prefix(self) -> str:
        """What the console shows of a key: `tk_test_AbCd1234`."""
        return f"tk_{self.mode}_{self.lookup}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def livemode(self) -> bool:
        """Whether the key reads and writes the organization's live data (else its test data)."""
        return self.mode == ApiKeyMode.LIVE


class Invitation(models.Model):
    """An invitation to join an organization, sent by email.

    Only a SHA-256 hash of the link's token is kept. It expires, and accepting or
    revoking it is a conditional update that succeeds once.
    """

    public_id = PublicIdField(prefix="inv")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"], name="accounts_invite_org_created")]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_invitation_role_valid"),
            # One open invitation per address and organization; a new one replaces the old.
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="accounts_invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organization} ({self.role})"

    def is_open(self, *, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class AuditEvent(models.Model):
    """One security-relevant action: who did what to which object, when and from where.

    Written by `accounts.services.audit_record` in the same transaction as the change.
    The actor and target are also kept as text so the row still reads after deletions.
    """

    public_id = PublicIdField(prefix="aud")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=64, help_text="<entity>.<verb>, e.g. member.role_changed")
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=254, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text='{"field": [before, after]}')
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="accounts_audit_org_created"),
            models.Index(fields=["organization", "action", "-created_at"], name="accounts_audit_org_action"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__regex=r"^[a-z][a-z_]*\.[a-z][a-z_]*$"), name="accounts_audit_action_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or 'system'}"
