"""The dashboard's forms: one website, or many sites pasted or uploaded as CSV."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from scrapersky.bulk import (
    MAX_BULK_FILE_BYTES,
    MAX_BULK_SITES,
    BulkInputError,
    Entry,
    check_entries,
    entries_from_csv,
    entries_from_text,
)
from scrapersky.sites import MAX_INPUT_CHARS, InvalidSiteError, parse_site

MAX_BULK_TEXT_CHARS = MAX_BULK_SITES * 260


class ScanForm(FlaskForm):
    """The submit form: one website."""

    url = StringField("Website", validators=[DataRequired(), Length(max=MAX_INPUT_CHARS)])

    def validate_url(self, field: StringField) -> None:
        """Accept only a website we can scan."""
        try:
            self.site = parse_site(field.data)
        except InvalidSiteError as exc:
            raise ValidationError(f"Website {exc}.") from exc


class BulkScanForm(FlaskForm):
    """Many sites at once: one per line, and/or a CSV file."""

    sites = TextAreaField("Websites, one per line",
                          validators=[Optional(), Length(max=MAX_BULK_TEXT_CHARS)])
    csv_file = FileField("or a CSV file", validators=[
        FileSize(MAX_BULK_FILE_BYTES, message=f"The CSV file must be at most "
                                              f"{MAX_BULK_FILE_BYTES // 1000} kB.")])

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate the fields, then read the list of sites into `entries`."""
        if not super().validate(extra_validators):
            return False
        try:
            self.entries: list[Entry] = check_entries(self.read_entries())
        except BulkInputError as exc:
            self.form_errors.append(str(exc))
            return False
        return True

    def read_entries(self) -> list[Entry]:
        """Return the textarea's lines followed by the CSV file's sites."""
        entries = entries_from_text(self.sites.data)
        upload = self.csv_file.data
        if upload and getattr(upload, "filename", ""):
            entries += entries_from_csv(upload.read(MAX_BULK_FILE_BYTES + 1))
        return entries
