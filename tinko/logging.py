"""Structured logging: every line is one JSON object carrying the request or task id."""

import datetime
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


# The attributes every LogRecord has; any other was given as `extra` (as structlog's ExtraAdder reads them).
_RECORD_KEYS = frozenset(vars(logging.LogRecord("name", 0, "pathname", 0, "msg", (), None)))


class _JsonLines(structlog.stdlib.ProcessorFormatter):
    """The `json` format: what structlog's formatter writes for a standard-library record (its
    message as `event`, the request's or task's context, `logger`, `level`, `timestamp`, then the
    record's extras), the same object written directly. structlog's copies each record and runs it
    through a chain of processors, about half a line's cost. A record with a traceback or a stack,
    or made by a structlog logger, still goes through structlog's chain."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.stack_info or hasattr(record, "_logger"):
            return super().format(record)
        line: dict[str, Any] = {"event": record.getMessage()}
        for key, value in _CONTEXT.get().items():
            line.setdefault(key, value)
        line["logger"] = record.name
        line["level"] = record.levelname.lower()
        line["timestamp"] = datetime.datetime.now(tz=datetime.UTC).isoformat().replace("+00:00", "Z")
        for key, value in vars(record).items():
            if key not in _RECORD_KEYS:
                line[key] = value
        return _json_line(line, default=repr)


def formatter_factory(log_format: str = "json") -> logging.Formatter:
    """The formatter named in settings.LOGGING; `console` is for people, `json` for machines."""
    processors: list[structlog.types.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
    ]
    if log_format == "console":
        return structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED_PROCESSORS,
            processors=[*processors, structlog.dev.ConsoleRenderer(colors=False)],
        )
    return _JsonLines(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[*processors, structlog.processors.JSONRenderer(serializer=_json_line)],
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
