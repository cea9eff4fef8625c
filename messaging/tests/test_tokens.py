"""Payer tokens: only Tinko can make them, each kind for its own purpose, and a key rotation keeps them working."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import NoReverseMatch, include, path, reverse, set_script_prefix, set_urlconf
from hypothesis import example, given, settings
from hypothesis import strategies as st

from messaging.tokens import (
    recovery_link_token,
    recovery_link_token_read,
    reminders_stop_token,
    reminders_stop_token_read,
    token_url,
)

LINK_ID = "rlk_4fJ2kQ9xWm3LpZ8vT1bN0c"
NOTIFICATION_ID = "ntf_7hD3sV6yPq2RnX5mK9gL4a"
OLD_KEY = "old-secret-key-" + "o" * 40
NEW_KEY = "new-secret-key-" + "n" * 40


def test_a_token_names_its_link_and_reads_back() -> None:
    token = recovery_link_token(LINK_ID)

    assert token.startswith(f"{LINK_ID}.")
    assert len(token) == len(LINK_ID) + 1 + 43
    assert recovery_link_token_read(token) == LINK_ID


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one signature character changed
        lambda token: "rlk_4fJ2kQ9xWm3LpZ8vT1bN0d" + token[len(LINK_ID) :],  # another link's id, this signature
        lambda token: token.split(".")[0],  # no signature
        lambda token: token + "." + token,
        lambda token: "",
        lambda token: "x" * 500,
    ],
    ids=["signature-changed", "id-swapped", "unsigned", "doubled", "empty", "overlong"],
)
def test_a_forged_token_reads_as_nothing(forge) -> None:
    assert recovery_link_token_read(forge(recovery_link_token(LINK_ID))) is None


def test_a_stop_token_is_not_a_link_token_and_the_other_way_round() -> None:
    assert recovery_link_token_read(reminders_stop_token(LINK_ID)) is None
    assert reminders_stop_token_read(recovery_link_token(NOTIFICATION_ID)) is None
    assert reminders_stop_token_read(reminders_stop_token(NOTIFICATION_ID)) == NOTIFICATION_ID


def test_a_signed_id_of_the_wrong_kind_is_refused() -> None:
    assert recovery_link_token_read(recovery_link_token(NOTIFICATION_ID)) is None
    assert reminders_stop_token_read(reminders_stop_token(LINK_ID)) is None


def test_tokens_made_before_a_key_rotation_still_read_while_the_old_key_is_a_fallback() -> None:
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        link_token = recovery_link_token(LINK_ID)
        stop_token = reminders_stop_token(NOTIFICATION_ID)

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert recovery_link_token_read(link_token) == LINK_ID
        assert reminders_stop_token_read(stop_token) == NOTIFICATION_ID
        # New tokens are signed with the new key.
        assert recovery_link_token(LINK_ID) != link_token


def test_tokens_of_a_retired_key_read_as_nothing() -> None:
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        token = recovery_link_token(LINK_ID)

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert recovery_link_token_read(token) is None


def _url_or_refusal(write: Callable[[], str]) -> str | type[Exception]:
    try:
        return write()
    except NoReverseMatch as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(
    view=st.sampled_from(["messaging:recovery_link", "messaging:reminders_stop"]),
    token=st.one_of(
        st.builds(recovery_link_token, st.from_regex(r"rlk_[A-Za-z0-9]{22}", fullmatch=True)),
        st.from_regex(r"[A-Za-z0-9._~-]{1,60}", fullmatch=True),
        st.text(max_size=40),
    ),
    script_prefix=st.sampled_from(["/", "/tinko/", "/a b%/", "//x/"]),
)
@example(view="messaging:recovery_link", token="tinko-token", script_prefix="/")
@example(view="messaging:recovery_link", token="a/b", script_prefix="/")
@example(view="messaging:recovery_link", token="ä é?#", script_prefix="/")
@override_settings(PUBLIC_BASE_URL="https://pay.tinko.test")
def test_a_token_url_is_the_public_base_and_the_path_reverse_writes(view: str, token: str, script_prefix: str) -> None:
    set_script_prefix(script_prefix)
    try:
        expected = _url_or_refusal(lambda: "https://pay.tinko.test" + reverse(view, kwargs={"token": token}))
        assert _url_or_refusal(lambda: token_url(view=view, token=token)) == expected
    finally:
        set_script_prefix("/")


def test_a_token_url_follows_the_urlconf_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    token = recovery_link_token(LINK_ID)
    elsewhere = ModuleType("elsewhere_urls")
    elsewhere.urlpatterns = [path("payers/", include("messaging.urls"))]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "elsewhere_urls", elsewhere)

    before = token_url(view="messaging:recovery_link", token=token)
    with override_settings(ROOT_URLCONF="elsewhere_urls"):
        moved = token_url(view="messaging:recovery_link", token=token)
    set_urlconf("elsewhere_urls")
    try:
        for_one_request = token_url(view="messaging:recovery_link", token=token)
    finally:
        set_urlconf(None)

    assert before == f"{django_settings.PUBLIC_BASE_URL}/pay/retry/{token}/"
    assert moved == for_one_request == f"{django_settings.PUBLIC_BASE_URL}/payers/retry/{token}/"
    assert token_url(view="messaging:recovery_link", token=token) == before
