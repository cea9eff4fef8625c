"""Rendering many emails at once gives every payer exactly what a render of their own would: the shared
render is filled in with each payer's values, escaped as the template escapes them, and a template
that does more with a payer's value than print it is rendered for each payer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from accounts.models import OrganizationLogo
from messaging import rendering
from messaging.rendering import Rendering, templates_render_many
from messaging.services import EmailRequest, recovery_email_render, recovery_emails_send
from messaging.tests.factories import failed_transaction, issued_link
from recovery.services import Customer

pytestmark = pytest.mark.django_db

NAMES = ["Asha Rao", "Tom & Jerry <Co>", 'Dr. "Quoted" O\'Brien', "अनन्या शर्मा", "", "R&amp;D <b>bold</b>"]


@pytest.fixture(autouse=True)
def _now(settings) -> Iterator[None]:
    settings.PUBLIC_BASE_URL = "https://pay.tinko.test"
    with time_machine.travel("2026-11-20 09:00:00Z", tick=False):
        yield


def _plain(template_names: list[str], rendering: Rendering) -> tuple[str, ...]:
    with translation.override(rendering.language):
        return tuple(render_to_string(name, rendering.context) for name in template_names)


def test_a_batch_of_varied_payers_gets_what_a_plain_render_of_each_gives(
    organization_factory, caplog, django_assert_max_num_queries, monkeypatch
) -> None:
    plain_shop = organization_factory(name="Chai <Point> & Co", time_zone="Asia/Kolkata")
    branded = organization_factory(
        name="Dukaan", support_email="help@dukaan.example", support_phone="+918000000000", accent_colour="#0f766e"
    )
    OrganizationLogo.objects.create(organization=branded, content=b"png", sha256="cd" * 32, width=10, height=10)
    requests = []
    for index in range(24):
        transaction = failed_transaction(
            organization=(plain_shop, branded)[index % 2],
            amount=1999 + 100_001 * index,
            currency=("INR", "USD", "JPY")[index % 3],
            failure_code=("insufficient_funds", "expired_card")[index // 12],
            customer=Customer(email=f"payer{index}@example.com", name=NAMES[index % len(NAMES)]),
        )
        link = issued_link(transaction=transaction, lifetime=timedelta(days=1 + index % 2))
        requests.append(EmailRequest(transaction=transaction, link=link.link, language=("en", "hi")[index // 6 % 2]))

    monkeypatch.setattr(rendering, "_SHARED", {})

    with django_assert_max_num_queries(8):
        logs = recovery_emails_send(requests=requests)

    assert [log.status for log in logs] == ["sent"] * 24
    sent = [_parts(message) for message in mail.outbox]
    # Rendered again with nothing shared: each template rendered plainly, as render_to_string does.
    monkeypatch.setattr(rendering, "_SHARED", {})
    monkeypatch.setattr(rendering, "_remember", lambda key, skeletons: None)
    for log, request, parts in zip(logs, requests, sent, strict=True):
        alone = recovery_email_render(log=log, transaction=request.transaction)
        assert parts == (alone.subject, alone.text, alone.html)
    assert "नमस्ते अनन्या शर्मा," in "".join(text for _, text, _ in sent)
    assert "Tom &amp; Jerry &lt;Co&gt;" in "".join(html for _, _, html in sent)
    assert "templates_not_shareable" not in caplog.messages


def test_each_value_is_escaped_as_the_template_escapes_it_there() -> None:
    templates = {
        "escaped.html": "<b>{{ name }}</b> {{ name|safe }} {% autoescape off %}{{ name }}{% endautoescape %}",
        "text.txt": "{% autoescape off %}{{ name }} {{ name|escape }}{% endautoescape %}",
    }
    renderings = [
        Rendering(language="en", context={"brand": "Shop", "name": name}) for name in ["A & B", "<i>", "'\"", "x"]
    ]

    with _templates(templates):
        rendered = templates_render_many(template_names=list(templates), renderings=renderings, varying={"name"})

        assert rendered == [_plain(list(templates), rendering) for rendering in renderings]
    assert rendered[0] == ("<b>A &amp; B</b> A & B A & B", "A & B A &amp; B")


@pytest.mark.parametrize(
    "template",
    [
        "Hi {{ name|upper }}",
        "Hi {{ name|truncatechars:3 }}",
        "{% if name == 'Asha' %}Namaste{% else %}Hello{% endif %} {{ name }}",
        "{{ name|length }} letters",
    ],
)
def test_a_template_that_does_more_with_a_value_than_print_it_is_rendered_for_each_payer(template, caplog) -> None:
    renderings = [Rendering(language="en", context={"name": name}) for name in ["Asha", "Ravi Kumar", "asha"]]

    with _templates({"t.txt": template}):
        rendered = templates_render_many(template_names=["t.txt"], renderings=renderings, varying={"name"})

        assert rendered == [_plain(["t.txt"], rendering) for rendering in renderings]
    assert caplog.messages == ["templates_not_shareable"]


def test_an_empty_value_is_told_apart_from_a_printed_one() -> None:
    template = "{% if name %}Hello {{ name }},{% else %}Hello,{% endif %} [{{ note }}]"
    contexts: list[dict[str, str | None]] = [
        {"name": "Asha", "note": ""},
        {"name": "", "note": None},
        {"name": "Ravi", "note": ""},
    ]
    renderings = [Rendering(language="en", context=context) for context in contexts]

    with _templates({"t.txt": template}):
        rendered = templates_render_many(template_names=["t.txt"], renderings=renderings, varying={"name", "note"})

    assert rendered == [("Hello Asha, []",), ("Hello, [None]",), ("Hello Ravi, []",)]


def _parts(message) -> tuple[str, str, str]:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message.subject, message.body, html


def _templates(templates: dict[str, str]) -> override_settings:
    return override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", templates)]},
            }
        ]
    )
