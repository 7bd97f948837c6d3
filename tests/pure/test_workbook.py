import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import workbook
from milestones import reached_dates
from workbook import (
    CELL_LIMIT,
    CUT_MARK,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    PERCENT,
    Column,
    IntakeWorkbook,
    LocalTime,
    clean_text,
    cut,
    excel_date_format,
    local_naive,
    looks_like_formula,
    money_format,
    sheet_name,
)

# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"],
)
def test_formula_triggers(text):
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", ["Smith", " =1", "", "a=b", "1+1"])
def test_plain_text_is_not_a_formula(text):
    assert not looks_like_formula(text)


def test_clean_text():
    assert clean_text("a\r\nb\rc\td") == "a\nb\nc\td"
    assert clean_text("\r=1+1") == "\n=1+1"
    assert clean_text("z" * 40_000).endswith(CUT_MARK)


def test_cut_leaves_short_text_alone():
    assert cut("x" * CELL_LIMIT) == "x" * CELL_LIMIT


def test_cut_marks_what_it_cut():
    text = cut("y" * 40_000)
    assert len(text) == CELL_LIMIT
    assert text.endswith(CUT_MARK)
    assert text.startswith("y" * 1000)


def test_cut_counts_characters_as_excel_does():
    # An emoji is two UTF-16 units: 20,000 of them are 40,000 for Excel.
    text = cut("\U0001f600" * 20_000)
    assert text.endswith(CUT_MARK)
    body = text[: -len(CUT_MARK)]
    assert 2 * len(body) + len(CUT_MARK) <= CELL_LIMIT
    assert 2 * len(body) + len(CUT_MARK) >= CELL_LIMIT - 1


# ---------------------------------------------------------------------------
# Sheet names
# ---------------------------------------------------------------------------


def test_sheet_names_are_legal():
    taken = set()
    assert sheet_name("Flow: from/to [all]*?\\", taken) == "Flow_ from_to _all____"
    assert sheet_name("A" * 40, taken) == "A" * 31
    assert sheet_name("'quoted'", taken) == "quoted"
    assert sheet_name("", taken) == "Sheet"
    assert sheet_name("History", taken) == "History (1)"


def test_sheet_names_are_unique_without_case():
    taken = set()
    assert sheet_name("Leads", taken) == "Leads"
    assert sheet_name("LEADS", taken) == "LEADS (2)"
    assert sheet_name("leads", taken) == "leads (3)"
    long = "Transition log of the whole firm"
    first = sheet_name(long, taken)
    second = sheet_name(long, taken)
    assert first == long[:31].strip()
    assert second.endswith(" (2)") and len(second) <= 31
    assert first != second


# ---------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strftime", "excel"),
    [
        ("%m/%d/%Y", "mm/dd/yyyy"),
        ("%d.%m.%Y", "dd.mm.yyyy"),
        ("%Y-%m-%d %H:%M:%S", "yyyy-mm-dd hh:mm:ss"),
        ("%d/%m/%Y %I:%M %p", "dd/mm/yyyy hh:mm AM/PM"),
        ("%Y年%m月%d日", 'yyyy"年"mm"月"dd"日"'),
        ("%-d %B %Y", "d mmmm yyyy"),
        ("%Q", "yyyy-mm-dd"),
    ],
)
def test_excel_date_format(strftime, excel):
    assert excel_date_format(strftime) == excel


def test_money_format():
    assert money_format("$", "before", 2) == '"$"#,##0.00'
    assert money_format("€", "after", 2) == '#,##0.00\\ "€"'
    assert money_format("CHF", "before", 2) == '"CHF"\\ #,##0.00'
    assert money_format("¥", "before", 0) == '"¥"#,##0'
    assert money_format("", "before", 2) == "#,##0.00"


def test_local_naive():
    utc = datetime.datetime(2026, 2, 1, 3, 0)
    chicago = local_naive(utc, ZoneInfo("America/Chicago"))
    assert chicago == datetime.datetime(2026, 1, 31, 21, 0)
    assert local_naive(None, ZoneInfo("UTC")) is None
    assert local_naive(datetime.date(2026, 1, 2), ZoneInfo("UTC")) == datetime.date(
        2026, 1, 2
    )


def test_local_time_matches_local_naive_across_daylight_saving_changes():
    # Chicago and London change by an hour at 02:00 and 01:00 local time,
    # Lord Howe Island by half an hour, Kathmandu keeps +05:45 all year.
    days = (
        datetime.datetime(2026, 3, 8),
        datetime.datetime(2026, 3, 29),
        datetime.datetime(2026, 4, 5),
        datetime.datetime(2026, 10, 4),
        datetime.datetime(2026, 10, 25),
        datetime.datetime(2026, 11, 1),
    )
    step = datetime.timedelta(minutes=7)
    for name in (
        "America/Chicago",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
    ):
        tz = ZoneInfo(name)
        local = LocalTime(tz)
        for day in days:
            moment = day - datetime.timedelta(hours=14)
            while moment < day + datetime.timedelta(hours=14):
                assert local(moment) == local_naive(moment, tz), (name, moment)
                moment += step
    assert LocalTime(ZoneInfo("UTC"))(None) is None


# ---------------------------------------------------------------------------
# Writing and reading back
# ---------------------------------------------------------------------------


def _write(build):
    buffer = io.BytesIO()
    book = IntakeWorkbook(buffer, date_format="dd/mm/yyyy", money='"$"#,##0.00')
    build(book)
    book.close()
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_table_round_trip():
    created = datetime.datetime(2026, 1, 5, 10, 30)

    def build(book):
        sheet = book.sheet("Leads")
        table = sheet.table(
            [
                Column("Lead"),
                Column("Created On", DATETIME),
                Column("Reached", DATE),
                Column("Fee", MONEY),
                Column("Conversion", PERCENT),
                Column("Moves", INTEGER),
            ]
        )
        table.append(['=HYPERLINK("http://evil","x")', created, created, 1500, 0.25, 3])
        table.append(["\tTabbed\rReturn", None, None, None, None, 0])
        table.append(["Long " * 8000, None, None, 2.5, None, 1], formats={3: "0.00"})
        table.close(total=["Total", None, None, 1502.5, None, 4])

    ws = _write(build)["Leads"]
    assert [cell.value for cell in ws[1]] == [
        "Lead",
        "Created On",
        "Reached",
        "Fee",
        "Conversion",
        "Moves",
    ]
    # Formula-like text is a string cell holding the text as typed.
    assert ws["A2"].data_type == "s"
    assert ws["A2"].value == '=HYPERLINK("http://evil","x")'
    # Carriage returns become Excel's line breaks; the tab stays.
    assert ws["A3"].value == "\tTabbed\nReturn"
    assert len(ws["A4"].value) == CELL_LIMIT and ws["A4"].value.endswith(CUT_MARK)
    # Real dates with a date format, money and percentages formatted.
    assert ws["B2"].value == created
    assert ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C2"].value == datetime.datetime(2026, 1, 5)
    assert ws["C2"].number_format == "dd/mm/yyyy"
    assert ws["D2"].value == 1500 and ws["D2"].number_format == '"$"#,##0.00'
    assert ws["D4"].number_format == "0.00"
    assert ws["E2"].value == 0.25 and ws["E2"].number_format == "0.0%"
    assert ws["B3"].value is None
    # The total row is bold and outside the filter; the header is frozen.
    assert ws["A5"].value == "Total" and ws["A5"].font.b
    assert ws["D5"].value == 1502.5
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:F4"
    # Widths follow the content, within bounds.
    assert ws.column_dimensions["A"].width == pytest.approx(workbook.MAX_WIDTH, abs=1)
    assert 18 <= ws.column_dimensions["B"].width <= 22
    assert ws.column_dimensions["F"].width < 15


def test_long_table_carries_on_in_a_new_sheet(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 4)

    def build(book):
        table = book.sheet("Transition log").table(
            [Column("Lead"), Column("N", INTEGER)]
        )
        for number in range(5):
            table.append([f"PNC {number}", number])
        table.close()
        book.sheet("Transition log")  # a later sheet of the same name

    workbook_read = _write(build)
    assert workbook_read.sheetnames == [
        "Transition log",
        "Transition log (2)",
        "Transition log (3)",
    ]
    first, second = workbook_read["Transition log"], workbook_read["Transition log (2)"]
    assert [row[0] for row in first.iter_rows(values_only=True)] == [
        "Lead",
        "PNC 0",
        "PNC 1",
        "PNC 2",
    ]
    assert list(second.iter_rows(values_only=True)) == [
        ("Lead", "N"),
        ("PNC 3", 3),
        ("PNC 4", 4),
    ]
    assert first.auto_filter.ref == "A1:B4"
    assert second.auto_filter.ref == "A1:B3"
    assert second.freeze_panes == "A2"


def test_summary_pairs_and_chart():
    def build(book):
        sheet = book.sheet("Funnel")
        sheet.pair("New PNCs", 12, INTEGER)
        table = sheet.table([Column("Milestone"), Column("Leads", INTEGER)])
        for name, count in (("Contact", 10), ("Funded", 3)):
            table.append([name, count])
        first, last = table.close()
        chart = book.chart({"type": "bar"})
        chart.add_series(
            {
                "categories": [sheet.name, first, 0, last, 0],
                "values": [sheet.name, first, 1, last, 1],
            }
        )
        sheet.ws.insert_chart(0, 3, chart)

    ws = _write(build)["Funnel"]
    assert ws["A1"].value == "New PNCs" and ws["B1"].value == 12
    assert ws["A2"].value == "Milestone" and ws["B4"].value == 3
    assert ws.freeze_panes == "A3"
    assert len(ws._charts) == 1


# ---------------------------------------------------------------------------
# Dates a lead reached each milestone
# ---------------------------------------------------------------------------


def test_reached_dates_fill_skipped_milestones():
    day = datetime.date
    moves = [
        (day(2026, 1, 5), "contact_info_received"),
        (day(2026, 1, 6), "contact_made"),
        (day(2026, 1, 8), "initial_consult"),  # skips Appointment Made
        (day(2026, 1, 9), "waiting_on"),
        (day(2026, 1, 12), "contact_made"),  # back again: first entry kept
        (day(2026, 1, 20), "lost"),
    ]
    assert reached_dates(moves) == {
        "awaiting_info": day(2026, 1, 5),
        "contact_info_received": day(2026, 1, 5),
        "contact_made": day(2026, 1, 6),
        "appointment_made": day(2026, 1, 8),
        "initial_consult": day(2026, 1, 8),
        "waiting_on": day(2026, 1, 9),
        "lost": day(2026, 1, 20),
    }


def test_reached_dates_ignore_stages_without_a_role():
    assert reached_dates([(1, False), (2, None)]) == {}
    assert reached_dates([(3, "refused"), (1, "contact_made")]) == {
        "awaiting_info": 1,
        "contact_info_received": 1,
        "contact_made": 1,
        "refused": 3,
    }
