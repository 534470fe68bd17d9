"""One line per log record, tracebacks included, so that log collectors never split an error."""

import logging
import time


class OneLineFormatter(logging.Formatter):
    """`time level logger message`, with any traceback folded onto the same line.

    Line breaks inside a record become a visible `\\n`, so one request or one error is always one
    line on standard output, and `grep` finds the whole of it.
    """

    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"
    converter = time.gmtime  # the Z above: times are UTC

    def __init__(self, fmt: str | None = None, datefmt: str | None = None, style="%"):
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s %(message)s", datefmt, style)

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")


# For LOGGING in settings.py and logconfig_dict in gunicorn.conf.py: both log the same way.
FORMATTERS = {"one_line": {"()": "config.logs.OneLineFormatter"}}
STDOUT_HANDLER = {
    "class": "logging.StreamHandler",
    "stream": "ext://sys.stdout",
    "formatter": "one_line",
}
