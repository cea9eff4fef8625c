"""The console log: each line once, in the configured format; a refused request is one line."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

from tinko.celery import _bind_task_context
from tinko.logging import _SHARED_PROCESSORS, _json_line, formatter_factory, log_context_bind, log_context_clear


def _handlers_reached(name: str) -> list[logging.Handler]:
    """The handlers a record logged on `name` passes through, leaving out pytest's capture."""
    reached: list[logging.Handler] = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        reached += [handler for handler in logger.handlers if not type(handler).__module__.startswith("_pytest")]
        logger = logger.parent if logger.propagate else None
    return reached


def test_django_and_its_web_server_log_each_line_once_through_the_structured_handler() -> None:
    root_handlers = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]

    for name in ("django", "django.request", "django.server", "django.security.csrf", "django.template"):
        assert _handlers_reached(name) == root_handlers, name


def test_runserver_leaves_response_lines_to_django_request_and_keeps_its_own_messages() -> None:
    server = logging.getLogger("django.server")
    response_line = server.makeRecord(
        "django.server", logging.WARNING, __file__, 1, '"GET /x HTTP/1.1" 404 179', (), None, extra={"status_code": 404}
    )
    https_notice = server.makeRecord(
        "django.server", logging.ERROR, __file__, 1, "You're accessing the development server over HTTPS", (), None
    )

    assert not server.filter(response_line)
    assert server.filter(https_notice)


def _log_refusal(status: int, exception: Exception, rf: RequestFactory) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_factory("json"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        try:
            raise exception
        except Exception as raised:
            log_response(
                "Refused: %s",
                "/console/team/",
                response=HttpResponse(status=status),
                request=rf.get("/console/team/"),
                exception=raised,
            )
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_a_403_is_one_line_without_a_traceback(rf: RequestFactory) -> None:
    line = _log_refusal(403, PermissionDenied("Only owners."), rf)

    assert line["event"] == "Refused: /console/team/"
    assert line["status_code"] == 403
    assert "exception" not in line


def test_a_500_keeps_its_traceback(rf: RequestFactory) -> None:
    line = _log_refusal(500, RuntimeError("broken"), rf)

    assert "Traceback" in str(line["exception"])


@contextmanager
def _json_lines(name: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own writing to a stream in the `json` format, as the console handler does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_factory("json"))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_a_json_line_carries_unicode_datetimes_odd_keys_and_unknown_objects() -> None:
    with _json_lines("tinko.tests.json_line") as (logger, stream):
        logger.warning(
            "भुगतान नहीं हुआ",
            extra={
                "at": datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
                "by_number": {1: "first"},
                "thing": _Unknown(),
            },
        )
    [line] = stream.getvalue().splitlines()
    written = json.loads(line)

    assert written["event"] == "भुगतान नहीं हुआ"
    assert written["at"] == "2026-11-30T09:00:00+00:00"
    assert written["by_number"] == {"1": "first"}
    assert written["thing"] == "<unknown thing>"


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown thing>"


def test_a_tasks_lines_carry_its_id_and_name_until_the_next_task() -> None:
    with _json_lines("tinko.tests.task_lines") as (logger, stream):
        try:
            _bind_task_context(task_id="task-1", task=SimpleNamespace(name="retries.execute_attempts"))
            logger.warning("first")
            _bind_task_context(task_id="task-2", task=None)
            logger.warning("second", extra={"task_id": "said by the line"})
        finally:
            log_context_clear()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())

    assert (first["task_id"], first["task"]) == ("task-1", "retries.execute_attempts")
    assert (second["task_id"], second["task"]) == ("said by the line", None)


def _structlogs_own_json_formatter() -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_json_line),
        ],
    )


def _record(extra: dict[str, object], *, exc_info: Any = None) -> logging.LogRecord:
    logger = logging.getLogger("tinko.tests.lines")
    return logger.makeRecord(
        logger.name, logging.WARNING, __file__, 1, "paid %s of %s", ("₹1,00,000", 3), exc_info, extra=extra
    )


@time_machine.travel("2026-11-30 09:00:00.123456Z", tick=False)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"attempt_id": "att_1", "number": 2, "ids": ["a", "b"], "at": datetime(2026, 1, 1, tzinfo=UTC)},
        {"request_id": "said by the line", "level": "odd", "event": "overwritten", "thing": _Unknown()},
        {"nested": {"न": [1, None, True]}, "none": None},
    ],
)
def test_a_json_line_is_byte_for_byte_what_structlogs_formatter_writes(extra: dict[str, object]) -> None:
    log_context_bind(request_id="req-1", task=None)
    try:
        ours = formatter_factory("json").format(_record(extra))
        theirs = _structlogs_own_json_formatter().format(_record(extra))
    finally:
        log_context_clear()

    assert ours == theirs


def test_a_line_with_a_traceback_is_written_by_structlogs_chain() -> None:
    try:
        raise RuntimeError("broken")
    except RuntimeError:
        record = _record({"attempt_id": "att_1"}, exc_info=sys.exc_info())

    line = json.loads(formatter_factory("json").format(record))

    assert line["event"] == "paid ₹1,00,000 of 3"
    assert "RuntimeError: broken" in line["exception"]
