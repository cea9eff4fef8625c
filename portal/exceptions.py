class PortalError(Exception):
    """Base class of every error the payer portal raises on purpose."""


class CheckoutUnavailable(PortalError):
    """The gateway could not open a checkout now (no account connected, an outage, a refusal)."""


class MethodNotOffered(PortalError, ValueError):
    """The payer asked for a method this payment's page does not offer."""
