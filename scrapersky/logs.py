"""Log lines: readable text by default, or one JSON object per line (LOG_FORMAT=json) with
the job's id as a field of its own, for log collectors."""

from __future__ import annotations

import json
import logging
import re

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_JOB_ID = re.compile(r"\bjob_id=([0-9a-f-]{36})")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, job_id."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        found = _JOB_ID.search(message)
        if found:
            entry["job_id"] = found.group(1)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str) -> None:
    """Send log lines to stderr in the chosen format, once per process."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if log_format == "json" else
                             logging.Formatter(TEXT_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    logging.getLogger("scrapersky").setLevel(level.upper())
