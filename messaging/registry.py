"""Which adapter serves a channel: named in settings by dotted path, like the payment gateways."""

from __future__ import annotations

from functools import cache
from typing import cast

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from messaging.exceptions import UnknownChannel
from messaging.interface import MessageChannel


@cache
def channel_get(slug: str) -> MessageChannel:
    """The adapter registered for `slug` in MESSAGING_CHANNELS."""
    path = settings.MESSAGING_CHANNELS.get(slug)
    if path is None:
        raise UnknownChannel(f"No messaging channel is registered for {slug!r}.")
    return cast(MessageChannel, import_string(path)())


@receiver(setting_changed)
def _forget_loaded(*, setting: str, **_: object) -> None:
    if setting == "MESSAGING_CHANNELS":
        channel_get.cache_clear()
