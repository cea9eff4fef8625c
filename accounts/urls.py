"""The console's accounts pages, mounted at /app/ under the `console` namespace."""

from django.urls import include, path

from accounts.views import api_keys, audit, console, onboarding, settings, team

app_name = "console"

urlpatterns = [
    path("", console.home, name="home"),
    path("organizations/new/", console.organization_new, name="organization_new"),
    path("organizations/switch/", console.organization_switch, name="organization_switch"),
    path("mode/", console.mode_switch, name="mode_switch"),
    path("team/", team.team, name="team"),
    path("team/invitations/", team.invitation_new, name="invitation_new"),
    path("team/invitations/<str:invitation_id>/resend/", team.invitation_resend_view, name="invitation_resend"),
    path("team/invitations/<str:invitation_id>/revoke/", team.invitation_revoke_view, name="invitation_revoke"),
    path("team/members/<str:member_id>/role/", team.member_role, name="member_role"),
    path("team/members/<str:member_id>/remove/", team.member_remove, name="member_remove"),
    path("team/leave/", team.leave, name="leave"),
    path("api-keys/", api_keys.api_keys, name="api_keys"),
    path("api-keys/<str:key_id>/revoke/", api_keys.api_key_revoke_view, name="api_key_revoke"),
    path("settings/", settings.settings_page, name="settings"),
    path("settings/general/", settings.settings_general, name="settings_general"),
    path("settings/branding/", settings.settings_branding, name="settings_branding"),
    path("settings/delete/", settings.settings_delete, name="settings_delete"),
    path("audit/", audit.audit_log, name="audit"),
    path("onboarding/", onboarding.onboarding, name="onboarding"),
    path("onboarding/brand/", onboarding.onboarding_branding, name="onboarding_branding"),
    path("onboarding/gateway/", onboarding.onboarding_gateway, name="onboarding_gateway"),
    path("onboarding/api-key/", onboarding.onboarding_api_key, name="onboarding_api_key"),
    path("onboarding/test-failure/", onboarding.onboarding_test_failure, name="onboarding_test_failure"),
    path("onboarding/test-failure/arrivals/", onboarding.onboarding_arrivals, name="onboarding_arrivals"),
    path("", include("recovery.rule_urls")),
    path("", include("payments.console_urls")),
    path("", include("retries.console_urls")),
    path("imports/", include("imports.urls")),
]
