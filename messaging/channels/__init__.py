"""Payer channels, one package each, behind messaging.interface.MessageChannel."""
