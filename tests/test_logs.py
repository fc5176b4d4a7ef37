"""Log lines: JSON format carries the job id as a field."""

from __future__ import annotations

import json
import logging

from scrapersky.logs import JsonFormatter


def test_json_lines_carry_the_job_id_and_the_exception():
    record = logging.LogRecord(
        "scrapersky.tasks", logging.WARNING, __file__, 1,
        "job_id=%s finished %s", ("2b3f3da8-b815-4c1d-b855-59e82fbe0d36", "FAILED"), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["job_id"] == "2b3f3da8-b815-4c1d-b855-59e82fbe0d36"
    assert line["level"] == "WARNING" and line["logger"] == "scrapersky.tasks"
    assert line["message"].endswith("finished FAILED")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert "RuntimeError: boom" in json.loads(JsonFormatter().format(record))["exception"]


def test_lines_without_a_job_have_no_job_id():
    record = logging.LogRecord("scrapersky", logging.INFO, __file__, 1, "found 0", (), None)
    assert "job_id" not in json.loads(JsonFormatter().format(record))
