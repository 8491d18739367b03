"""A logging filter that redacts every record before any handler writes it.

Our own lines name calls, never numbers; this filter is the net under everything else: a library's
message, an exception's text, a SQL error that quotes a value.
"""

from __future__ import annotations

import logging

from callcenter.privacy.redact import redact


class RedactingFilter(logging.Filter):
    """Redacts the formatted message and any exception text of a record, in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so handlers print this text instead.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of ``logger`` (the root logger by default): a filter on a
    handler sees the records of every logger that propagates to it."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
