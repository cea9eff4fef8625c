"""The production shape: settings, the compose file and the image's entry points."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "beat")
# Read by Django, Celery or the container rather than by our settings module.
READ_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE", "TINKO_ENV"}


def _variables_read_by_settings() -> set[str]:
    source = "\n".join(path.read_text() for path in (ROOT / "tinko" / "settings").glob("*.py"))
    return set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", source))


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "TINKO_ENV"}
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run("manage.py", *args, **env)


def test_production_check_deploy_reports_no_issues() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="tinko.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.com",
        GATEWAY_ENCRYPTION_KEYS="eb2YGTDj6ysCHixMAz4VhAwpXwsykVpe1IAIlwKvQSc=",
        MFA_ENCRYPTION_KEYS="rVq4m0pFPRxQn9Cr4Y4cQz8tQqz0nWvQ3l5nS2cN6nA=",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("secret_key", [None, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(secret_key: str | None) -> None:
    key = {} if secret_key is None else {"SECRET_KEY": secret_key}
    result = _manage("check", DJANGO_SETTINGS_MODULE="tinko.settings.production", **key)

    assert result.returncode != 0
    assert "SECRET_KEY must be set to a random value of at least 50 characters." in result.stderr


def test_compose_defines_the_production_shape() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert set(services) == {"postgres", "redis", "mailpit", *APP_SERVICES}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    images = {(services[name]["build"], services[name]["image"]) for name in APP_SERVICES}
    assert images == {(".", "tinko:latest")}, "the app image is defined once"
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)
    for name in ("postgres", "redis", "mailpit", "web", "worker", "beat"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"


def test_each_app_service_command_names_a_real_entry_point() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = get_commands()

    for name in APP_SERVICES:
        command = services[name]["command"]
        program = command[0]
        if program == "gunicorn":
            module, _, attribute = command[1].partition(":")
            assert module == "tinko.wsgi"
            assert attribute == "application"
        elif program == "celery":
            assert command[1:3] == ["-A", "tinko"]
            assert command[3] in {"worker", "beat"}
        else:
            assert command[:2] == ["python", "manage.py"], f"{name}: unknown entry point {command}"
            assert command[2] in commands, f"{name}: no management command {command[2]!r}"
    healthcheck = services["beat"]["healthcheck"]["test"][1]
    assert healthcheck.split()[2] in commands


def test_every_variable_compose_sets_is_read_by_the_settings() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    known = _variables_read_by_settings() | READ_OUTSIDE_SETTINGS

    for name in APP_SERVICES:
        unknown = set(services[name]["environment"]) - known
        assert not unknown, f"{name} sets variables the settings never read: {sorted(unknown)}"


def test_env_example_documents_every_variable_the_settings_read() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))

    assert _variables_read_by_settings() | READ_OUTSIDE_SETTINGS == documented


def test_dockerfile_runs_as_non_root_and_collects_static() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "FROM python:3.11-slim" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER tinko" in dockerfile
    assert '"gunicorn", "tinko.wsgi:application"' in dockerfile


@pytest.mark.parametrize(
    "entry_point",
    [("manage.py", "check"), ("-c", "import tinko.wsgi"), ("-c", "import tinko.asgi")],
    ids=["manage.py", "wsgi", "asgi"],
)
def test_a_production_process_without_a_settings_module_refuses_to_start(entry_point: tuple[str, str]) -> None:
    result = _run(*entry_point, TINKO_ENV="production", SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "TINKO_ENV is production but DJANGO_SETTINGS_MODULE is not set" in result.stderr


def test_without_tinko_env_manage_py_runs_on_development_settings() -> None:
    result = _manage("shell", "-v", "0", "-c", "from django.conf import settings; print(settings.SETTINGS_MODULE)")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "tinko.settings.base"


def test_the_image_says_it_is_production() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "TINKO_ENV=production" in dockerfile
    assert "DJANGO_SETTINGS_MODULE=tinko.settings.production" in dockerfile


@pytest.mark.parametrize(
    "mfa_keys", [None, "dGlua28tZGV2ZWxvcG1lbnQtb25seS1tZmEta2V5LWs="], ids=["unset", "development"]
)
def test_production_refuses_to_start_without_its_own_mfa_keys(mfa_keys: str | None) -> None:
    keys = {} if mfa_keys is None else {"MFA_ENCRYPTION_KEYS": mfa_keys}
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="tinko.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        GATEWAY_ENCRYPTION_KEYS="eb2YGTDj6ysCHixMAz4VhAwpXwsykVpe1IAIlwKvQSc=",
        **keys,
    )

    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEYS must be set to your own Fernet key(s)" in result.stderr


def test_secret_key_fallbacks_are_read_from_the_environment() -> None:
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
        SECRET_KEY_FALLBACKS="older-key,oldest-key",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['older-key', 'oldest-key']"


def test_a_malformed_admin_network_refuses_to_start() -> None:
    result = _manage("check", ADMIN_ALLOWED_NETWORKS="10.0.0.0/8,office")

    assert result.returncode != 0
    assert "ADMIN_ALLOWED_NETWORKS: 'office' is not a network (e.g. 10.0.0.0/8)." in result.stderr


def _email_settings(**env: str) -> list[str]:
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND); print(settings.EMAIL_HOST)"
    result = _manage("shell", "-v", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_development_writes_mail_to_files_and_production_to_smtp_without_email_url() -> None:
    production = {
        "DJANGO_SETTINGS_MODULE": "tinko.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GATEWAY_ENCRYPTION_KEYS": "eb2YGTDj6ysCHixMAz4VhAwpXwsykVpe1IAIlwKvQSc=",
        "MFA_ENCRYPTION_KEYS": "rVq4m0pFPRxQn9Cr4Y4cQz8tQqz0nWvQ3l5nS2cN6nA=",
    }

    # Set but empty, so that a developer's .env cannot fill it in.
    assert _email_settings(EMAIL_URL="")[0] == "tinko.mail.EmlFileBackend"
    assert _email_settings(**production, EMAIL_URL="") == ["django.core.mail.backends.smtp.EmailBackend", "localhost"]
    assert _email_settings(**production, EMAIL_URL="smtp://mailpit:1025") == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mailpit",
    ]
