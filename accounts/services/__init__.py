"""Writes for accounts. Import from here: `from accounts.services import organization_create`."""

from accounts.services.api_keys import (
    API_KEY_LOOKUP_LENGTH,
    API_KEYS_EPOCH,
    IssuedApiKey,
    api_key_create,
    api_key_hash,
    api_key_revoke,
    api_key_touch,
    api_keys_changed,
)
from accounts.services.audit import SYSTEM, Actor, audit_changes, audit_record
from accounts.services.invitations import (
    INVITATION_TTL,
    IssuedInvitation,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_token_hash,
)
from accounts.services.members import membership_change_role, membership_may_manage, membership_remove
from accounts.services.mfa import mfa_secrets_rotate
from accounts.services.organizations import (
    organization_create,
    organization_delete,
    organization_update,
    organization_update_branding,
)
from accounts.services.security import sign_in_failure_record, user_event_record

__all__ = [
    "API_KEYS_EPOCH",
    "API_KEY_LOOKUP_LENGTH",
    "INVITATION_TTL",
    "SYSTEM",
    "Actor",
    "IssuedApiKey",
    "IssuedInvitation",
    "api_key_create",
    "api_key_hash",
    "api_key_revoke",
    "api_key_touch",
    "api_keys_changed",
    "audit_changes",
    "audit_record",
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "invitation_token_hash",
    "membership_change_role",
    "membership_may_manage",
    "membership_remove",
    "mfa_secrets_rotate",
    "organization_create",
    "organization_delete",
    "organization_update",
    "organization_update_branding",
    "sign_in_failure_record",
    "user_event_record",
]
