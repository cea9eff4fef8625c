"""Structured logging: every line is one JSON object carrying the request or task id."""

import logging
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

import orjson
import structlog

# No line Tinko writes says where it was logged from (file, line, function), nor its thread or
# process: the logging HOWTO's optimisations spare each record the look-ups (a few microseconds of
# a line's cost, and a retry worker writes several lines per attempt).
logging._srcfile = None
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False

# What every line of the current request or task carries (its id). One variable holding them all:
# structlog's own merge looks through every context variable of the process for its own, on each line.
_CONTEXT: ContextVar[Mapping[str, Any]] = ContextVar("tinko_log_context", default=MappingProxyType({}))


def log_context_bind(**values: Any) -> None:
    """Put `values` on every line logged from here to the end of the request or task."""
    _CONTEXT.set({**_CONTEXT.get(), **values})


def log_context_clear() -> None:
    _CONTEXT.set(MappingProxyType({}))


def _merge_context(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in _CONTEXT.get().items():
        event_dict.setdefault(key, value)
    return event_dict


_SHARED_PROCESSORS: list[structlog.types.Processor] = [
    _merge_context,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs a refused request (403 PermissionDenied, 404) with the exception that refused it;
    for a 4xx the path and status say it all, so the line goes out without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int) and status_code < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class WithoutResponseLines(logging.Filter):
    """For `django.server` (runserver): drops its line about a response, which `django.request`
    has already logged for every 4xx and 5xx, and keeps its other messages (broken pipes, HTTPS
    spoken to an HTTP port)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not hasattr(record, "status_code")


def _json_line(event: dict[str, Any], default: Any = None) -> str:
    """One line of JSON written by orjson, in under half json.dumps's time: a retry worker writes a
    few lines per attempt. Unlike json.dumps it keeps non-ASCII text as UTF-8 and writes datetimes
    in ISO 8601; keys that are not strings become strings, and anything else it cannot write goes
    through structlog's fallback (its repr)."""
    return orjson.dumps(event, default=default, option=orjson.OPT_NON_STR_KEYS).decode()


def formatter_factory(log_format: str = "json") -> logging.Formatter:
    """The formatter named in settings.LOGGING; `console` is for people, `json` for machines."""
    renderer: structlog.types.Processor
    if log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    else:
        renderer = structlog.processors.JSONRenderer(serializer=_json_line)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


structlog.configure(
    processors=[
        *_SHARED_PROCESSORS,
        structlog.stdlib.filter_by_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
