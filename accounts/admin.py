from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.access import request_actor
from accounts.admin_site import ActionsNeedChangePermission
from accounts.models import ApiKey, AuditEvent, Invitation, Membership, Organization, User
from accounts.services import organization_delete

admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(ActionsNeedChangePermission, AllauthEmailAddressAdmin):
    """allauth's, with "mark as verified" only for staff who may change addresses."""


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    readonly_fields = ("public_id", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "public_id", "time_zone", "default_currency", "created_at")
    fieldsets = (
        (None, {"fields": ("public_id", "name", "slug", "time_zone", "default_currency", "created_at")}),
        ("Branding", {"fields": ("display_name", "accent_colour", "support_email", "support_phone", "payer_language")}),
    )
    search_fields = ("name", "slug", "public_id")
    readonly_fields = ("public_id", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)
    actions = ("delete_organizations",)

    # Deleting cascades over every row an organization has: never inside a web request, and never
    # without its keys revoked first. The action below goes through the same service as the console.
    def has_delete_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        return False

    def has_purge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.delete_organization")

    @admin.action(
        description="Delete the selected organizations (access ends now, data is purged in the background)",
        permissions=["purge"],
    )
    def delete_organizations(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        actor = request_actor(request)
        names = []
        for organization in queryset:
            organization_delete(organization=organization, actor=actor)
            names.append(organization.name)
        self.message_user(request, f"Deleting {', '.join(names)}: access ended; data is being purged.")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "public_id", "created_at")
    readonly_fields = ("public_id",)
    list_filter = ("role",)
    search_fields = ("user__email", "organization__name", "organization__slug")
    autocomplete_fields = ("user", "organization")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created from the console or `create_api_key`; admin shows, never reveals."""

    list_display = (
        "name",
        "organization",
        "display_prefix",
        "mode",
        "role",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("mode", "role")
    search_fields = ("name", "lookup", "organization__slug")
    fields = (
        "public_id",
        "organization",
        "name",
        "mode",
        "role",
        "display_prefix",
        "secret_hash",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the console; admin shows them and can revoke by date, never the link."""

    list_display = (
        "email",
        "organization",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "organization__slug", "public_id")
    fields = (
        "public_id",
        "organization",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )
    readonly_fields = tuple(name for name in fields if name != "revoked_at")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: nobody edits or deletes history, here or anywhere."""

    list_display = ("created_at", "organization", "action", "actor_label", "target_label", "ip_address")
    list_filter = ("action",)
    search_fields = ("action", "actor_label", "target_label", "target_id", "organization__slug")
    date_hierarchy = "created_at"
    list_select_related = ("organization",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
