"""HTTP endpoints of payments: public ones (webhooks, the sandbox checkout) and console pages."""

from payments.views.public import sandbox_checkout, webhook

__all__ = ["sandbox_checkout", "webhook"]
