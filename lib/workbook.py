"""Spreadsheet craft for the intake workbook, on top of xlsxwriter.

No Odoo here: the export wizard gathers the numbers and hands rows to these
helpers, which write them safely and the way a spreadsheet user expects.

* Text is always written as text (``write_string``), never as a formula, so
  a lead named ``=HYPERLINK(...)`` or ``@SUM(...)`` stays a name.
* Cells longer than Excel's limit are cut, with a mark saying so.
* Sheet names are made legal (31 characters, none of ``[]:*?/\\``, no
  leading or trailing apostrophe, not Excel's reserved "History") and unique.
* Columns get the width of their longest value, within bounds.
* Rows are written strictly in order, so the workbook can be written in
  xlsxwriter's constant-memory mode: each row goes to disk as soon as the
  next one starts, whatever the number of leads. A table longer than a sheet
  carries on in a new sheet. Every cell goes through xlsxwriter's own
  ``write_*`` methods.
"""

import datetime
import re

import xlsxwriter

# Excel's hard limits.
CELL_LIMIT = 32767
MAX_ROWS = 1_048_576
SHEET_NAME_LIMIT = 31
ILLEGAL_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
RESERVED_SHEET_NAMES = {"history"}

# What a cut cell ends with.
CUT_MARK = " [...cut]"

# A spreadsheet may read text starting with these as a formula (or, for tab
# and carriage return, as the start of one after its leading blanks).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Column widths, in characters.
MIN_WIDTH = 6
MAX_WIDTH = 60
DATE_WIDTH = 12
DATETIME_WIDTH = 18


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def looks_like_formula(text):
    """Whether a spreadsheet could take ``text`` for a formula."""
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS)


def _excel_length(text):
    """Length as Excel counts it: UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def cut(text, limit=CELL_LIMIT, mark=CUT_MARK):
    """``text`` within Excel's cell limit, ending with ``mark`` when cut."""
    if len(text) * 2 <= limit or _excel_length(text) <= limit:
        return text
    room = limit - len(mark)
    kept = text[:room]
    while _excel_length(kept) > room:
        kept = kept[:-1]
    return kept + mark


def clean_text(text):
    """Text for a cell: carriage returns become the line feeds Excel breaks
    lines on (a lone CR is no line break in a cell), then ``cut``."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return cut(text)


def sheet_name(name, taken):
    """A legal sheet name for ``name``, unique among ``taken`` (a set of
    casefolded names, which this adds to). Excel compares names without
    case."""
    base = ILLEGAL_SHEET_CHARS.sub("_", str(name or "")).strip().strip("'").strip()
    base = base[:SHEET_NAME_LIMIT].strip() or "Sheet"
    if base.casefold() in RESERVED_SHEET_NAMES:
        base = f"{base} (1)"
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
    taken.add(candidate.casefold())
    return candidate


# ---------------------------------------------------------------------------
# Number and date formats
# ---------------------------------------------------------------------------

# strftime directives and the Excel codes that show the same thing.
_STRFTIME_TO_EXCEL = {
    "d": "dd",
    "-d": "d",
    "e": "d",
    "m": "mm",
    "-m": "m",
    "b": "mmm",
    "h": "mmm",
    "B": "mmmm",
    "y": "yy",
    "Y": "yyyy",
    "a": "ddd",
    "A": "dddd",
    "H": "hh",
    "-H": "h",
    "I": "hh",
    "-I": "h",
    "M": "mm",
    "S": "ss",
    "p": "AM/PM",
    "%": "%",
}


def excel_date_format(strftime_format):
    """Excel's number format for a strftime ``%d/%m/%Y`` style format (as
    Odoo keeps a language's date and time formats). Literal text is quoted;
    directives Excel cannot show are dropped."""
    parts, literal = [], []

    def flush():
        if literal:
            text = "".join(literal).replace('"', "")
            parts.append(text if re.fullmatch(r"[ ./,:-]*", text) else f'"{text}"')
            literal.clear()

    index = 0
    while index < len(strftime_format):
        char = strftime_format[index]
        if char == "%" and index + 1 < len(strftime_format):
            directive = strftime_format[index + 1]
            if directive == "-" and index + 2 < len(strftime_format):
                directive = "-" + strftime_format[index + 2]
            index += 1 + len(directive)
            code = _STRFTIME_TO_EXCEL.get(directive)
            if code == "%":
                literal.append("%")
            elif code:
                flush()
                parts.append(code)
            continue
        literal.append(char)
        index += 1
    flush()
    return "".join(parts).strip() or "yyyy-mm-dd"


def money_format(symbol, position="before", digits=2):
    """Excel's number format for amounts in a currency: its symbol before or
    after the amount, thousands separators and its number of decimals."""
    number = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    quoted = '"{}"'.format((symbol or "").replace('"', ""))
    if not symbol:
        return number
    if position == "after":
        return f"{number}\\ {quoted}"
    return f"{quoted}\\ {number}" if len(symbol) > 1 else f"{quoted}{number}"


def local_naive(value, tz):
    """A naive UTC datetime as naive local time in ``tz`` (pytz or
    zoneinfo), the way Excel stores it; dates and ``None`` pass through."""
    if not isinstance(value, datetime.datetime):
        return value
    aware = value.replace(tzinfo=datetime.timezone.utc).astimezone(tz)
    return aware.replace(tzinfo=None)


class LocalTime:
    """``local_naive`` for a million datetimes: the UTC offset is looked up
    once per hour of UTC time, and exactly (minute by minute) only in an
    hour whose offset changes, the hour of a daylight-saving change."""

    _HOUR = datetime.timedelta(hours=1)

    def __init__(self, tz):
        self.tz = tz
        self._offsets = {}

    def _offset(self, moment):
        return local_naive(moment, self.tz) - moment

    def __call__(self, value):
        if not isinstance(value, datetime.datetime):
            return value
        hour = value.replace(minute=0, second=0, microsecond=0)
        offset = self._offsets.get(hour)
        if offset is None:
            start, end = self._offset(hour), self._offset(hour + self._HOUR)
            # False: the offset changes within this hour.
            offset = self._offsets[hour] = start if start == end else False
        if offset is False:
            return local_naive(value, self.tz)
        return value + offset


# ---------------------------------------------------------------------------
# The workbook
# ---------------------------------------------------------------------------

# Kinds of column and how their values are written and sized.
TEXT, INTEGER, NUMBER, PERCENT, MONEY, DATE, DATETIME = (
    "text",
    "integer",
    "number",
    "percent",
    "money",
    "date",
    "datetime",
)


def _number_width(value, kind):
    """The characters a number takes as its format shows it, plus one."""
    # Digits of the integer part, with a thousands separator every three.
    digits = len(str(int(abs(value * 100 if kind == PERCENT else value))))
    width = digits + (digits - 1) // 3 + (value < 0) + 1
    if kind == PERCENT:
        return width + 3  # ".0%"
    if kind == INTEGER:
        return width
    return width + 6  # ".00" and room for a currency symbol


class Column:
    """One column of a table: its header and kind of value. ``money`` may
    name a number format (the currency's); cells may override it."""

    __slots__ = ("header", "kind", "num_format")

    def __init__(self, header, kind=TEXT, num_format=None):
        self.header = header
        self.kind = kind
        self.num_format = num_format


class IntakeWorkbook:
    """An xlsxwriter workbook in constant-memory mode with the formats and
    safety rules of the intake workbook.

    ``output`` is a path or a binary file object. Dates are written with
    ``date_format`` and datetimes with ``datetime_format`` (Excel codes, see
    ``excel_date_format``).
    """

    def __init__(
        self,
        output,
        date_format="yyyy-mm-dd",
        datetime_format="yyyy-mm-dd hh:mm",
        money="#,##0.00",
        tmpdir=None,
    ):
        options = {
            "constant_memory": True,
            # Text is text: never a formula, number or link by guesswork.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        }
        if tmpdir:
            options["tmpdir"] = tmpdir
        self.book = xlsxwriter.Workbook(output, options)
        self.sheets = []
        self._taken = set()
        self._formats = {}
        self.date_format = date_format
        self.datetime_format = datetime_format
        self.money = money
        self.title = self.format("title", bold=True, font_size=14)
        self.label = self.format("label", bold=True)
        self.header = self.format(
            "header",
            bold=True,
            text_wrap=True,
            valign="top",
            bg_color="#DDE4EE",
            bottom=1,
        )
        self.total = self.format("total", bold=True, top=1)

    def format(self, key, **properties):
        """A cached cell format."""
        if key not in self._formats:
            self._formats[key] = self.book.add_format(properties)
        return self._formats[key]

    def number_format(self, kind, num_format=None, bold=False):
        """The cell format of a kind of value (``num_format`` for money)."""
        code = {
            TEXT: None,
            INTEGER: "#,##0",
            NUMBER: "#,##0.0",
            PERCENT: "0.0%",
            MONEY: num_format or self.money,
            DATE: self.date_format,
            DATETIME: self.datetime_format,
        }[kind]
        if kind in (NUMBER, INTEGER, PERCENT) and num_format:
            code = num_format
        properties = {"num_format": code} if code else {}
        if bold:
            properties.update(bold=True, top=1)
        if kind in (DATE, DATETIME):
            properties["align"] = "left"
        return self.format((kind, code, bold), **properties)

    def sheet(self, name):
        """A new sheet with a legal, unique name, printed landscape and one
        page wide."""
        worksheet = self.book.add_worksheet(sheet_name(name, self._taken))
        worksheet.set_landscape()
        worksheet.fit_to_pages(1, 0)
        sheet = Sheet(self, worksheet)
        self.sheets.append(sheet)
        return sheet

    def chart(self, options):
        return self.book.add_chart(options)

    def close(self):
        for sheet in self.sheets:
            sheet.finish()
        self.book.close()


class Sheet:
    """A worksheet written top to bottom, remembering column widths.

    ``row`` is the next row to write; writing never goes back up, as
    constant-memory mode requires.
    """

    def __init__(self, workbook, worksheet):
        self.workbook = workbook
        self.ws = worksheet
        self.name = worksheet.get_name()
        self.row = 0
        self.widths = {}

    # -- cells ---------------------------------------------------------------

    def put(self, row, col, value, kind=TEXT, cell_format=None, num_format=None):
        """Write one value as its kind says."""
        ws, book = self.ws, self.workbook
        if value is None or value is False or value == "":
            # Empty cells are not written, but on a total row (a format is
            # given) they keep its rule.
            if cell_format is not None:
                ws.write_blank(row, col, None, cell_format)
            return
        if cell_format is None and kind != TEXT:
            cell_format = book.number_format(kind, num_format)
        if kind == TEXT or isinstance(value, str):
            text = clean_text(str(value))
            # write_string, never write(): text that looks like a formula is
            # stored as a plain string cell.
            ws.write_string(row, col, text, cell_format)
            if "\n" in text:
                width = max(map(len, text.split("\n"))) + 1
            else:
                width = len(text) + 1
        elif kind in (DATE, DATETIME):
            if isinstance(value, datetime.datetime) and kind == DATE:
                value = value.date()
            ws.write_datetime(row, col, value, cell_format)
            width = DATE_WIDTH if kind == DATE else DATETIME_WIDTH
        else:
            ws.write_number(row, col, value, cell_format)
            width = _number_width(value, kind)
        if width > self.widths.get(col, 0):
            self.widths[col] = width

    def text(self, value, cell_format=None, col=0):
        """One line of text at the next row."""
        self.put(self.row, col, value, TEXT, cell_format)
        self.row += 1

    def pair(self, label, value, kind=TEXT, num_format=None):
        """A label and its value on the next row (the Summary's lines)."""
        self.put(self.row, 0, label, TEXT, self.workbook.label)
        self.put(self.row, 1, value, kind, num_format=num_format)
        self.row += 1

    def skip(self, rows=1):
        self.row += rows

    # -- tables --------------------------------------------------------------

    def table(self, columns, freeze=True, autofilter=True):
        """Start a table at the next row: returns its ``Table``."""
        return Table(self, columns, freeze=freeze, autofilter=autofilter)

    def finish(self):
        """Set the column widths found while writing (xlsxwriter writes
        column settings when the file closes, after the rows)."""
        for col, width in self.widths.items():
            self.ws.set_column(col, col, max(MIN_WIDTH, min(width + 1, MAX_WIDTH)))


class Table:
    """Rows under a header: frozen header, autofilter over the data,
    values written by column kind. When the rows no longer fit the sheet,
    the table carries on in a new sheet named after the first, with its
    header again."""

    def __init__(self, sheet, columns, freeze=True, autofilter=True):
        self.sheet = sheet
        self.columns = columns
        self.freeze = freeze
        self.autofilter = autofilter
        self.sheets = []
        self.count = 0
        self._start(sheet)

    def _start(self, sheet):
        self.sheet = sheet
        self.sheets.append(sheet)
        self.header_row = sheet.row
        header = sheet.workbook.header
        for col, column in enumerate(self.columns):
            sheet.put(sheet.row, col, column.header, TEXT, header)
            # Headers wrap: they ask for less width than their text.
            sheet.widths[col] = max(
                sheet.widths.get(col, 0), min(len(column.header), 18) + 2
            )
        if self.freeze:
            sheet.ws.freeze_panes(sheet.row + 1, 0)
            # Printed, each page starts with the header row too.
            sheet.ws.repeat_rows(sheet.row)
        sheet.row += 1
        self.first_row = sheet.row

    def append(self, values, formats=None):
        """One row. ``formats`` may give a column's number format for this
        row (a lead's own currency, say)."""
        if self.sheet.row >= MAX_ROWS:
            self._close_sheet()
            self._start(self.sheet.workbook.sheet(self.sheets[0].name))
        self._write(values, formats)
        self.count += 1

    def _write(self, values, formats=None, bold=False):
        sheet = self.sheet
        book = sheet.workbook
        for col, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            num_format = (formats or {}).get(col) or column.num_format
            cell_format = None
            if bold:
                cell_format = (
                    book.total
                    if column.kind == TEXT
                    else book.number_format(column.kind, num_format, bold=True)
                )
            sheet.put(sheet.row, col, value, column.kind, cell_format, num_format)
        sheet.row += 1

    def _close_sheet(self):
        sheet = self.sheet
        self.last_row = sheet.row - 1
        if self.autofilter:
            last = max(self.last_row, self.header_row)
            sheet.ws.autofilter(self.header_row, 0, last, len(self.columns) - 1)

    def close(self, total=None):
        """Put the autofilter over the rows written, then the ``total`` row
        if any (outside the filter, so sorting leaves it last). Returns the
        data rows' range (first, last) on the last sheet, for charts."""
        self._close_sheet()
        if total is not None:
            self._write(total, bold=True)
        return self.first_row, self.last_row
