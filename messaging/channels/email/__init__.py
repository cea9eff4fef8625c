"""Email through Django's email backend: SMTP from EMAIL_URL, .eml files under var/mail/ in development."""

from messaging.channels.email.channel import EmailChannel, email_mask

__all__ = ["EmailChannel", "email_mask"]
