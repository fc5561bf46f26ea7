"""Registration lists as CSV and XLSX: rows in, bytes out, nothing about Flask.

The caller passes headers and labels already translated, so these functions
serve any language and can be tested without a request.
"""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from confapp.models import Registration
from confapp.text_rules import clean_text
from confapp.timezones import utc_to_local

Cell = str | int | datetime | None

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection);
# registrants type these fields on a public form.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DATETIME_TEXT = "%Y-%m-%d %H:%M"
_MAX_COLUMN_WIDTH = 60
_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _local(moment: datetime | None) -> datetime | None:
    """Copenhagen wall-clock time without a zone: what a spreadsheet can show."""
    return utc_to_local(moment).replace(tzinfo=None) if moment else None


def registration_rows(registrations: Iterable[Registration], *,
                      category_labels: Mapping, status_labels: Mapping,
                      yes: str, no: str) -> list[list[Cell]]:
    """One row per registration, in the column order of the export headers.

    Columns: first name, last name, e-mail, organisation, category, job title,
    status, workshops, dietary needs, accessibility needs, participant-list
    consent, registered at and checked in at (both Europe/Copenhagen).
    """
    return [
        [
            r.first_name,
            r.last_name,
            r.email,
            r.organisation,
            str(category_labels.get(r.category, r.category)),
            r.job_title,
            str(status_labels.get(r.status, r.status)),
            ", ".join(item.title for item in r.workshops),
            r.dietary_needs,
            r.accessibility_needs,
            yes if r.consent_participant_list else no,
            _local(r.created_at),
            _local(r.checked_in_at),
        ]
        for r in registrations
    ]


def _safe_text(value: str) -> str:
    """No formula, and no control character (openpyxl refuses them; stored data may predate
    the form's rule): one attendee's odd input must not break the whole export."""
    value = clean_text(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(_DATETIME_TEXT)
    return _safe_text(str(value))


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark and ';' between fields: what Danish Excel opens as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], sheet_title: str) -> bytes:
    """A workbook with a bold, frozen header row, an auto filter and readable column widths."""
    # Imported here, not at app start: ~0.1 s and several MB per worker for a rare download.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (str(sheet_title).translate(_SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:31]
    sheet.append([clean_text(str(h)) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) for h in headers]
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                value = clean_text(value)
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, even when the text starts with "="
                text_width = max((len(line) for line in value.splitlines()), default=0)
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
                text_width = 16
            else:
                text_width = len(str(value)) if value is not None else 0
            widths[column - 1] = max(widths[column - 1], text_width)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
